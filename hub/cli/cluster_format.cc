#include "hub/cli/cluster_format.h"

#include "absl/strings/str_cat.h"

namespace srfleet::cli {

std::map<std::string, std::string> Sorted(const google::protobuf::Map<std::string, std::string>& m) {
  return std::map<std::string, std::string>(m.begin(), m.end());
}

std::string JoinLabels(const google::protobuf::Map<std::string, std::string>& m, const std::string& separator) {
  if (m.empty()) return "<none>";
  std::string out;
  for (const auto& [k, v] : Sorted(m)) {
    if (!out.empty()) out += separator;
    absl::StrAppend(&out, k, "=", v);
  }
  return out;
}

std::string ValueOrUnknown(const google::protobuf::Map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? "<unknown>" : it->second;
}

}  // namespace srfleet::cli
