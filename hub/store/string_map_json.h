// The store keeps label/claim maps as JSON objects of strings in TEXT columns:
// readable with the sqlite3 CLI and queryable with json_extract().
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace srfleet::hub {

// InvalidArgument if a key or value is not valid UTF-8.
absl::StatusOr<std::string> EncodeStringMap(const std::map<std::string, std::string>& map);
// DataLoss unless `json` is an object whose values are all strings.
absl::StatusOr<std::map<std::string, std::string>> DecodeStringMap(const std::string& json);

}  // namespace srfleet::hub
