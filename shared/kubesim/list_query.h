// LIST pagination tokens, byte-compatible with the real server's: base64url
// (no padding) of {"v":"meta.k8s.io/v1","rv":<rv>,"start":"<key>\u0000"}.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace srfleet::kubesim {

struct ContinueToken {
  int64_t resource_version = 0;
  // The last returned key relative to the list prefix ("name" within a
  // namespace, "namespace/name" across namespaces); the next page starts
  // after it.
  std::string last_key;
};

std::string EncodeContinue(int64_t resource_version, const std::string& last_key);
// 400 BadRequest when malformed.
absl::StatusOr<ContinueToken> DecodeContinue(const std::string& token);

}  // namespace srfleet::kubesim
