#include "shared/kubesim/api_request.h"

#include "absl/strings/match.h"

namespace srfleet::kubesim {

std::string ApiRequest::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

}  // namespace srfleet::kubesim
