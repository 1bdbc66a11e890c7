// Platform facts as the claims a cluster states in Hello/ClaimsUpdate, keyed
// "srfleet.io/<name>" (types.proto): what placement selectors match on, e.g.
// srfleet.io/platform In (openshift).
#pragma once

#include <map>
#include <string>

#include "shared/render/render_input.h"

namespace srfleet::agent::hublink {

inline constexpr char kClaimPlatform[] = "srfleet.io/platform";                     // openshift | kubernetes
inline constexpr char kClaimKubernetesVersion[] = "srfleet.io/kubernetes-version";  // "1.29"
inline constexpr char kClaimGatewayApi[] = "srfleet.io/gateway-api";                // true | false
inline constexpr char kClaimKServe[] = "srfleet.io/kserve";                         // true | false

// Every key is always present except the version, which is left out when
// discovery gave none that reads as major.minor.
std::map<std::string, std::string> ClaimsFromPlatform(const render::PlatformFacts& facts);

// "v1.30.2" / "1.29" / "v1.28.3-gke.100" -> "1.30" / "1.29" / "1.28"; "" when
// it does not start with <digits>.<digits>.
std::string MajorMinor(const std::string& version);

}  // namespace srfleet::agent::hublink
