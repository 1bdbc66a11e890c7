// Small formatting helpers shared by the cluster commands.
#pragma once

#include <map>
#include <string>

#include "google/protobuf/map.h"

namespace srfleet::cli {

inline constexpr char kPlatformClaim[] = "srfleet.io/platform";
inline constexpr char kKubernetesVersionClaim[] = "srfleet.io/kubernetes-version";

// Sorted copy of a protobuf map.
std::map<std::string, std::string> Sorted(const google::protobuf::Map<std::string, std::string>& m);

// "k=v,k=v" sorted by key (`separator` between pairs); "<none>" when empty.
std::string JoinLabels(const google::protobuf::Map<std::string, std::string>& m, const std::string& separator = ",");

// The value at `key`, or "<unknown>".
std::string ValueOrUnknown(const google::protobuf::Map<std::string, std::string>& m, const std::string& key);

}  // namespace srfleet::cli
