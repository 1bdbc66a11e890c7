#include "hub/store/string_map_json.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace srfleet::hub {

absl::StatusOr<std::string> EncodeStringMap(const std::map<std::string, std::string>& map) {
  // dump() throws on invalid UTF-8; keep that inside this module.
  try {
    return nlohmann::json(map).dump();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("encoding a string map: ", std::string(e.what())));
  }
}

absl::StatusOr<std::map<std::string, std::string>> DecodeStringMap(const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::DataLossError(absl::StrCat("stored map is not a JSON object: ", json));
  std::map<std::string, std::string> map;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string()) return absl::DataLossError(absl::StrCat("stored map value for ", key, " is not a string"));
    map.emplace(key, value.get<std::string>());
  }
  return map;
}

}  // namespace srfleet::hub
