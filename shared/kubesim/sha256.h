// SHA-256, only for discovery's storageVersionHash (the real server publishes
// base64(sha256("group/version/Kind")[:8])); not for anything secret.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace srfleet::kubesim {

std::array<uint8_t, 32> Sha256(const std::string& data);

// base64 (standard alphabet, padded) of the first 8 digest bytes of
// "<group>/<version>/<kind>", as in the APIResource.storageVersionHash field.
std::string StorageVersionHash(const std::string& group, const std::string& version, const std::string& kind);

}  // namespace srfleet::kubesim
