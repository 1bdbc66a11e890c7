#include "shared/kubesim/list_query.h"

#include "absl/strings/escaping.h"
#include "shared/json/json.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {

std::string EncodeContinue(int64_t resource_version, const std::string& last_key) {
  Json token = Json::object();
  token["v"] = "meta.k8s.io/v1";
  token["rv"] = resource_version;
  token["start"] = last_key + std::string(1, '\0');
  return absl::WebSafeBase64Escape(WireDump(token));
}

absl::StatusOr<ContinueToken> DecodeContinue(const std::string& token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return BadRequestError("continue key is not valid: illegal base64 data");
  }
  Json parsed = Json::parse(raw, nullptr, false);
  if (!parsed.is_object() || ChildString(parsed, "v") != "meta.k8s.io/v1") {
    return BadRequestError("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  const Json* rv = Child(parsed, "rv");
  const Json* start = Child(parsed, "start");
  if (!rv || !rv->is_number_integer() || !start || !start->is_string()) {
    return BadRequestError("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  ContinueToken out;
  out.resource_version = rv->get<int64_t>();
  out.last_key = start->get<std::string>();
  if (!out.last_key.empty() && out.last_key.back() == '\0') out.last_key.pop_back();
  return out;
}

}  // namespace srfleet::kubesim
