// Where the hub is and how to reach it. Each setting comes from the first of:
// a flag (--hub, --tls-*, --insecure, --timeout), the environment
// (SRFLEET_HUB, SRFLEET_TLS_CA, SRFLEET_TLS_CERT, SRFLEET_TLS_KEY,
// SRFLEET_TLS_SERVER_NAME, SRFLEET_INSECURE), the config file ($SRFLEET_CONFIG, else
// ~/.config/srfleet/config.yaml), a default (localhost:7443, TLS with the
// system roots, 10s per call).
//
// The config file:
//   hub: hub.example.com:7443
//   tls: {ca: ca.pem, cert: me.pem, key: me-key.pem, serverName: hub, insecure: false}
// Relative paths in it are relative to its directory.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/cli/fleet_api.h"
#include "shared/grpc/tls_credentials.h"

namespace srfleet::cli {

inline constexpr char kDefaultHubAddress[] = "localhost:7443";
inline constexpr char kDefaultHubPort[] = "7443";

// What the command line said; empty / false = not given.
struct HubFlags {
  std::string hub;
  std::string tls_ca, tls_cert, tls_key, tls_server_name;
  bool insecure = false;
  std::string timeout;  // "" : 10s
};

struct HubSettings {
  std::string address;         // gRPC target
  std::string address_source;  // "--hub", "SRFLEET_HUB", the config file path, or "default"
  grpcutil::ClientTlsFiles tls;
  absl::Duration timeout = absl::Seconds(10);
  std::string config_path;  // the config file read ("" when none)
  std::string config_hint;  // the config file as shown in hints, e.g. ~/.config/srfleet/config.yaml
};

// Looks up an environment variable (tests pass a map).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnvironment();

// Errors, mapped to exit codes by ExitCodeForSettingsError: InvalidArgument
// for a bad flag or environment value (2), FailedPrecondition for a bad
// config file (1), NotFound when $SRFLEET_CONFIG or a TLS file cannot be
// read (3).
absl::StatusOr<HubSettings> ResolveHubSettings(const HubFlags& flags, const EnvLookup& env);
int ExitCodeForSettingsError(const absl::Status& status);

// "10s", "1m30s", "500ms", or bare seconds ("30"). InvalidArgument otherwise.
absl::StatusOr<absl::Duration> ParseTimeout(std::string_view text);

// "hub" -> "hub:7443", "https://hub" -> "hub:7443", "[::1]" -> "[::1]:7443";
// gRPC target URIs (dns:///h:1, unix:/path, ipv4:..., ...) are kept.
std::string NormalizeHubAddress(const std::string& address);

// The channel and client. Connects lazily: no network I/O here, only the
// TLS files are read (errors as for ResolveHubSettings).
absl::StatusOr<std::unique_ptr<FleetApi>> ConnectToHub(const HubSettings& settings);

}  // namespace srfleet::cli
