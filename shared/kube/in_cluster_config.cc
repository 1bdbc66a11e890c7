// InClusterConfig / LoadDefaultConfig: the pod's service account.
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "shared/kube/file_util.h"
#include "shared/kube/rest_config.h"
#include "shared/kube/url.h"

namespace srfleet::kube {

absl::StatusOr<RestConfig> InClusterConfig(const InClusterPaths& paths) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  const std::string host = paths.host.empty() ? env("KUBERNETES_SERVICE_HOST") : paths.host;
  const std::string port = paths.port.empty() ? env("KUBERNETES_SERVICE_PORT") : paths.port;
  if (host.empty() || port.empty()) {
    return absl::FailedPreconditionError(
        "in-cluster config: not running in a pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set)");
  }
  RestConfig config;
  config.server = IsIpLiteral(host) && host.find(':') != std::string::npos
                      ? absl::StrCat("https://[", host, "]:", port)
                      : absl::StrCat("https://", host, ":", port);
  if (absl::StatusOr<ServerUrl> url = ParseServerUrl(config.server); !url.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("in-cluster config: ", url.status().message()));
  }
  absl::StatusOr<std::string> token = internal::ReadWholeFile(paths.token_file);
  if (!token.ok()) {
    return absl::Status(token.status().code(),
                        absl::StrCat("in-cluster config: service account token ", token.status().message()));
  }
  config.bearer_token = internal::TrimWhitespace(*std::move(token));
  if (config.bearer_token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("in-cluster config: service account token ", paths.token_file, " is empty"));
  }
  config.token_file = paths.token_file;  // re-read as the kubelet rotates it
  absl::StatusOr<std::string> ca = internal::ReadWholeFile(paths.ca_file);
  if (!ca.ok()) {
    return absl::Status(ca.status().code(), absl::StrCat("in-cluster config: CA bundle ", ca.status().message()));
  }
  if (ca->find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("in-cluster config: CA bundle ", paths.ca_file, " does not contain PEM data"));
  }
  config.ca_pem = *std::move(ca);
  // The namespace file is optional (client-go falls back to "default" too).
  if (absl::StatusOr<std::string> ns = internal::ReadWholeFile(paths.namespace_file); ns.ok()) {
    if (std::string trimmed = internal::TrimWhitespace(*ns); !trimmed.empty()) config.ns = trimmed;
  }
  return config;
}

absl::StatusOr<RestConfig> LoadDefaultConfig() {
  absl::Status in_cluster_error;
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host != nullptr && *host != '\0') {
    absl::StatusOr<RestConfig> in_cluster = InClusterConfig();
    if (in_cluster.ok()) return in_cluster;
    in_cluster_error = in_cluster.status();
  }
  absl::StatusOr<RestConfig> from_env = LoadFromEnvironment();
  if (from_env.ok() || in_cluster_error.ok()) return from_env;
  // Inside a pod the in-cluster failure is the interesting one.
  return absl::Status(in_cluster_error.code(),
                      absl::StrCat(in_cluster_error.message(), "; ", from_env.status().message()));
}

}  // namespace srfleet::kube
