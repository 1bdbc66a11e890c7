// srfleet-hub: the fleet control plane.
//
//   srfleet-hub --data-dir /var/lib/srfleet --tls-cert hub.pem --tls-key hub-key.pem --tls-client-ca ca.pem
//   srfleet-hub --data-dir ./data --insecure --auto-register     # local development
//
// /metrics /healthz /readyz are served over HTTPS with the hub's certificate
// (or --http-tls-cert/--http-tls-key); plain HTTP only with --insecure.
//
// Flags, logs and signals live here; the server is hub/server/hub_server.h.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/server_credentials.h>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "hub/server/hub_server.h"
#include "hub/store/intent_store.h"
#include "shared/grpc/tls_credentials.h"
#include "spdlog/spdlog.h"

namespace srfleet::hub {
namespace {

struct Flags {
  std::string listen = "0.0.0.0:7443";
  std::string http_listen = "0.0.0.0:7080";
  std::string data_dir = "srfleet-hub-data";
  std::string tls_cert, tls_key, tls_client_ca;
  std::string http_tls_cert, http_tls_key, http_tls_client_ca;
  bool insecure = false;
  bool auto_register = false;
  std::string heartbeat_interval = "5s";
  std::string liveness_timeout = "12s";
  int max_message_bytes = 4 * 1024 * 1024;
  std::string sqlite_synchronous = "full";
  std::string log_level = "info";
  std::vector<std::string> admin_names = {"srfleet-admin"};
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return code;
}

int Run(const Flags& flags) {
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(flags.log_level));

  HubOptions options;
  options.grpc_address = flags.listen;
  options.http_address = flags.http_listen;
  options.max_message_bytes = flags.max_message_bytes;
  options.distributor.auto_register = flags.auto_register;
  if (!absl::ParseDuration(flags.heartbeat_interval, &options.distributor.heartbeat_interval) ||
      options.distributor.heartbeat_interval <= absl::ZeroDuration()) {
    return Fail(2, "--heartbeat-interval: not a positive duration (e.g. 5s)");
  }
  if (!absl::ParseDuration(flags.liveness_timeout, &options.distributor.liveness_timeout) ||
      options.distributor.liveness_timeout <= options.distributor.heartbeat_interval) {
    return Fail(2, "--liveness-timeout: must be a duration longer than --heartbeat-interval (e.g. 12s)");
  }
  if (flags.sqlite_synchronous != "full" && flags.sqlite_synchronous != "normal") {
    return Fail(2, "--sqlite-synchronous: full or normal");
  }
  if (flags.insecure && (!flags.tls_cert.empty() || !flags.tls_client_ca.empty())) {
    return Fail(2, "--insecure cannot be combined with --tls-cert/--tls-client-ca");
  }
  if (!flags.insecure) {
    grpcutil::ServerTlsFiles tls{false, flags.tls_cert, flags.tls_key, flags.tls_client_ca};
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = grpcutil::MakeServerCredentials(tls);
    if (!creds.ok()) {
      return Fail(2, absl::StrCat(std::string(creds.status().message()),
                                  " (--tls-cert/--tls-key; --insecure for plaintext on a development machine)"));
    }
    options.credentials = *creds;
    options.mtls_required = !flags.tls_client_ca.empty();
    options.admin_names = flags.admin_names;
  }
  if (flags.http_tls_cert.empty() != flags.http_tls_key.empty()) {
    return Fail(2, "--http-tls-cert and --http-tls-key: give both, or neither to use --tls-cert/--tls-key");
  }
  // The HTTP side reuses the gRPC certificate unless given its own: a hub
  // with a certificate has no plaintext port (--insecure has none to lend).
  // Its client CA is not inherited: scrapers (Prometheus, kubelet probes)
  // hold no agent certificates.
  const bool inherit_tls = flags.http_tls_cert.empty() && !flags.insecure;
  options.http_tls_cert_file = inherit_tls ? flags.tls_cert : flags.http_tls_cert;
  options.http_tls_key_file = inherit_tls ? flags.tls_key : flags.http_tls_key;
  options.http_tls_client_ca_file = flags.http_tls_client_ca;
  if (!options.http_tls_client_ca_file.empty() && options.http_tls_cert_file.empty()) {
    return Fail(2, "--http-tls-client-ca needs HTTPS: --http-tls-cert/--http-tls-key (or --tls-cert/--tls-key)");
  }

  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  if (ec) return Fail(3, absl::StrCat("--data-dir ", flags.data_dir, ": ", ec.message()));
  SqliteStoreOptions store_options;
  store_options.path = (std::filesystem::path(flags.data_dir) / "hub.db").string();
  store_options.synchronous_full = flags.sqlite_synchronous == "full";
  absl::StatusOr<std::unique_ptr<IntentStore>> store = OpenSqliteIntentStore(store_options);
  if (!store.ok()) return Fail(3, std::string(store.status().message()));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<HubServer>> hub = HubServer::Start(**store, options);
  if (!hub.ok()) return Fail(1, std::string(hub.status().message()));
  const char* http_tls = options.http_tls_cert_file.empty() ? "off"
                         : options.http_tls_client_ca_file.empty() ? "on"
                                                                   : "mtls";
  spdlog::info(
      "msg=\"srfleet-hub serving\" grpc={} port={} http_port={} http_tls={} tls={} mtls={} store={} auto_register={}",
      flags.listen, (*hub)->grpc_port(), (*hub)->http_port(), http_tls, flags.insecure ? "off" : "on",
      options.mtls_required ? "on" : "off", store_options.path, flags.auto_register);
  if (flags.insecure) spdlog::warn("msg=\"plaintext gRPC (--insecure): anyone who can reach the port can act as any cluster\"");

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("msg=\"shutting down\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*hub)->Stop();
  spdlog::info("msg=\"stopped\"");
  return 0;
}

}  // namespace
}  // namespace srfleet::hub

int main(int argc, char** argv) {
  srfleet::hub::Flags flags;
  CLI::App app{"srfleet-hub: stores SemanticRouter intents, places them on clusters and streams them to agents"};
  app.add_option("--listen", flags.listen, "gRPC host:port for agents and the CLI");
  app.add_option("--http-listen", flags.http_listen, "host:port of /metrics /healthz /readyz (\"\" to disable)");
  app.add_option("--data-dir", flags.data_dir, "directory of the SQLite store (hub.db)");
  app.add_option("--tls-cert", flags.tls_cert, "server certificate (PEM)");
  app.add_option("--tls-key", flags.tls_key, "server private key (PEM)");
  app.add_option("--admin-name", flags.admin_names,
                 "with --tls-client-ca: a client certificate name (CN or DNS SAN) allowed on the Fleet API (the "
                 "CLI); repeatable. Cluster certificates only connect agents")
      ->default_str("srfleet-admin");
  app.add_option("--tls-client-ca", flags.tls_client_ca,
                 "require client certificates signed by this CA (mutual TLS; agents must present a certificate "
                 "naming their cluster)");
  app.add_option("--http-tls-cert", flags.http_tls_cert,
                 "certificate (PEM) of the HTTPS /metrics /healthz /readyz port (default: --tls-cert; plain HTTP "
                 "without either)");
  app.add_option("--http-tls-key", flags.http_tls_key, "private key (PEM) of --http-tls-cert (default: --tls-key)");
  app.add_option("--http-tls-client-ca", flags.http_tls_client_ca,
                 "require scrapers of the HTTPS port to present a certificate signed by this CA (default: none)");
  app.add_flag("--insecure", flags.insecure,
               "plaintext gRPC, and plain HTTP unless --http-tls-cert (local development only)");
  app.add_flag("--auto-register", flags.auto_register,
               "accept agents of clusters nobody registered (default: refuse them)");
  app.add_option("--heartbeat-interval", flags.heartbeat_interval, "how often agents send a heartbeat");
  app.add_option("--liveness-timeout", flags.liveness_timeout, "a silent agent is Unknown after this long");
  app.add_option("--max-message-bytes", flags.max_message_bytes, "largest gRPC message accepted")
      ->check(CLI::Range(64 * 1024, 64 * 1024 * 1024));
  app.add_option("--sqlite-synchronous", flags.sqlite_synchronous,
                 "full: fsync every commit (survives power loss); normal: survives process crashes");
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return srfleet::hub::Run(flags);
}
