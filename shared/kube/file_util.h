// Small file helpers shared by the config loaders (internal).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace srfleet::kube::internal {

// The whole file, or NotFound / PermissionDenied / Internal naming `path`.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
bool FileExists(const std::string& path);
std::string TrimWhitespace(std::string s);

}  // namespace srfleet::kube::internal
