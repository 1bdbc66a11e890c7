// The few URL pieces a Kubernetes client needs: the server URL of a
// kubeconfig, percent-encoding of path segments and query values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace srfleet::kube {

struct ServerUrl {
  std::string scheme;       // "https" or "http"
  std::string host;         // name or IP literal, IPv6 without brackets
  uint16_t port = 0;        // explicit or the scheme's default
  std::string path_prefix;  // "" or "/prefix" (no trailing slash), for proxied servers

  bool tls() const { return scheme == "https"; }
  bool host_is_ip() const;
  // "host:port" as sent in the Host header (IPv6 bracketed, default port omitted).
  std::string HostHeader() const;
  std::string ToString() const;
};

// Accepts "https://host[:port][/prefix]", "http://...", and a bare
// "host:port" (taken as https, as kubectl does).
absl::StatusOr<ServerUrl> ParseServerUrl(const std::string& url);

bool IsIpLiteral(const std::string& host);

// RFC 3986: keeps ALPHA / DIGIT / "-" / "." / "_" / "~", encodes the rest.
std::string PercentEncode(std::string_view s);

// Builds "?k=v&k2=v2" (empty when no parameter was added).
class Query {
 public:
  Query& Add(std::string key, std::string value);
  // Adds only when `value` is not empty.
  Query& AddIfSet(std::string key, const std::string& value);
  std::string Encode() const;
  bool empty() const { return params_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace srfleet::kube
