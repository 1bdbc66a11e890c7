// srfleet-hub put together: store → IntentDistributor; gRPC (AgentLink +
// Fleet) on one port with TLS/mTLS; /metrics /healthz /readyz on another;
// a ticker for liveness. main.cc adds flags and signals; tests and benches
// run it in-process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/server/intent_distributor.h"
#include "hub/store/intent_store.h"
#include "shared/grpc/tls_credentials.h"

namespace grpc {
class ServerCredentials;
}

namespace srfleet::hub {

struct HubOptions {
  std::string grpc_address = "127.0.0.1:0";   // host:port; port 0 picks one
  std::string http_address = "127.0.0.1:0";   // "" : no HTTP side
  // HTTPS for the HTTP side, from PEM files (see ops::HttpServerOptions):
  // cert and key both or neither; with a client CA, scrapers need a
  // certificate it signed. Empty: plain HTTP.
  std::string http_tls_cert_file;
  std::string http_tls_key_file;
  std::string http_tls_client_ca_file;
  // Null: plaintext (development only; main.cc requires --insecure for it).
  std::shared_ptr<grpc::ServerCredentials> credentials;
  bool mtls_required = false;                 // credentials demand client certs: bind Hello to the cert name
  // With mTLS: the certificate names allowed on the Fleet API (CLI).
  std::vector<std::string> admin_names = {"srfleet-admin"};
  int max_message_bytes = 4 * 1024 * 1024;    // larger messages: RESOURCE_EXHAUSTED
  DistributorOptions distributor;
  absl::Duration tick_interval = absl::Milliseconds(500);
  // Server-side HTTP/2 keepalive pings find dead TCP peers the heartbeat
  // would otherwise wait for.
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(5);
};

class HubServer {
 public:
  // Loads the store and starts serving. The store must outlive the server.
  static absl::StatusOr<std::unique_ptr<HubServer>> Start(IntentStore& store, HubOptions options);
  ~HubServer();  // Stop()
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  int grpc_port() const;
  int http_port() const;  // 0 without HTTP side
  std::string grpc_target() const;  // "127.0.0.1:<port>"
  IntentDistributor& distributor();
  HubMetrics& metrics();
  // Stops accepting, ends every stream, flushes cluster records. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HubServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::hub
