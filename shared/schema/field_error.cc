#include "shared/schema/field_error.h"

namespace srfleet::schema {

std::string JoinFieldErrors(const FieldErrors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out.push_back('\n');
    out += e.ToString();
  }
  return out;
}

std::string ChildPath(const std::string& parent, const std::string& field) {
  return parent.empty() ? field : parent + "." + field;
}

std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string KeyPath(const std::string& parent, const std::string& key) { return parent + "[" + key + "]"; }

}  // namespace srfleet::schema
