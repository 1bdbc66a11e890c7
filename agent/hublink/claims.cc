#include "agent/hublink/claims.h"

#include <cctype>

namespace srfleet::agent::hublink {
namespace {

// Digits at s[*pos...]; advances *pos. Empty when none.
std::string Digits(const std::string& s, size_t* pos) {
  const size_t start = *pos;
  while (*pos < s.size() && std::isdigit(static_cast<unsigned char>(s[*pos]))) ++*pos;
  return s.substr(start, *pos - start);
}

}  // namespace

std::string MajorMinor(const std::string& version) {
  size_t pos = (!version.empty() && (version[0] == 'v' || version[0] == 'V')) ? 1 : 0;
  const std::string major = Digits(version, &pos);
  if (major.empty() || pos >= version.size() || version[pos] != '.') return "";
  ++pos;
  const std::string minor = Digits(version, &pos);
  if (minor.empty()) return "";
  return major + "." + minor;
}

std::map<std::string, std::string> ClaimsFromPlatform(const render::PlatformFacts& facts) {
  std::map<std::string, std::string> claims;
  claims[kClaimPlatform] = facts.openshift ? "openshift" : "kubernetes";
  claims[kClaimGatewayApi] = facts.gateway_api ? "true" : "false";
  claims[kClaimKServe] = facts.kserve ? "true" : "false";
  if (std::string mm = MajorMinor(facts.kubernetes_version); !mm.empty()) claims[kClaimKubernetesVersion] = mm;
  return claims;
}

}  // namespace srfleet::agent::hublink
