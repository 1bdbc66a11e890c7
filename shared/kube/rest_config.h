// How to reach and authenticate to one API server, and the loaders that fill
// it from a kubeconfig, the environment or a pod's service account.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace srfleet::kube {

struct RestConfig {
  std::string server;  // https://host:port[/path-prefix]
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the name used for SNI and verification
  // Bearer token. When token_file is set it is re-read periodically (bound
  // service-account tokens rotate) and, once read, wins over bearer_token.
  std::string bearer_token;
  std::string token_file;
  std::string client_cert_pem, client_key_pem;
  std::string ns = "default";  // the context's (or the pod's) namespace
  double qps = 50;             // client-side rate limit; <= 0 disables it
  int burst = 100;
  std::string user_agent = "srfleet";
  // Per request attempt (watches: until the response headers). Zero or
  // negative: no limit.
  absl::Duration timeout = absl::Seconds(30);
};

// Reads a kubeconfig. `context_name` empty: its current-context. Relative
// file paths in it are resolved against the kubeconfig's directory. Only
// token and client-certificate credentials are supported (no exec plugins,
// auth providers or basic auth).
absl::StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context_name = "");

// $KUBECONFIG (a ':'-separated list: the first file that exists is used;
// files are not merged), else ~/.kube/config.
absl::StatusOr<RestConfig> LoadFromEnvironment(const std::string& context_name = "");

struct InClusterPaths {
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  // Empty: read KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT.
  std::string host, port;
};

// The pod's service account, as client-go's rest.InClusterConfig.
absl::StatusOr<RestConfig> InClusterConfig(const InClusterPaths& paths = {});

// In-cluster when KUBERNETES_SERVICE_HOST is set, otherwise the environment's kubeconfig.
absl::StatusOr<RestConfig> LoadDefaultConfig();

}  // namespace srfleet::kube
