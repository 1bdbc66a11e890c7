// The agent's side of AgentLink (api/fleet/v1/agent_link.proto): dials the
// hub, says Hello (cluster, labels, claims, and the intents the cluster
// already holds, read back from the hub-managed CRs), materialises the
// upserts/deletes the hub pushes (IntentMaterializer; one Ack/Nack per push),
// and reports router status (StatusReporter) and heartbeats.
//
// The link is optional to the agent: RouterAgent reconciles on its own, and a
// hub that is away only means HubLink retries (jittered exponential backoff)
// while everything local carries on. A reconnect with nothing changed at the
// hub costs the cluster no write.
//
// Threads: one connect loop (dial, Hello, read pushes and apply them), and
// per stream one sender (heartbeats, claims, status). Stop() cancels the
// stream and returns promptly even while a dial or backoff is under way.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/controller/informer.h"
#include "shared/kube/backoff.h"
#include "shared/kube/kube_client.h"

namespace grpc {
class ChannelCredentials;
}  // namespace grpc

namespace srfleet::agent::hublink {

struct HubLinkOptions {
  std::string hub_address;                                // host:port (any gRPC target)
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // required (grpcutil::MakeChannelCredentials)
  // Checked against the hub's certificate instead of the host of
  // hub_address (e.g. when dialling an IP the certificate does not list).
  std::string tls_server_name;
  std::string cluster_name;
  std::map<std::string, std::string> labels;
  std::string agent_version;
  // Platform claims (claims.h); called at Hello and at every heartbeat, a
  // change goes out as ClaimsUpdate. May be null (no claims).
  std::function<std::map<std::string, std::string>()> claims;
  // Between failed dials; reset once a stream got a Welcome or lived
  // longer than `stable_stream`.
  kube::BackoffPolicy backoff{absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.5};
  absl::Duration stable_stream = absl::Seconds(10);
  absl::Duration status_flush_interval = absl::Milliseconds(100);
  absl::Duration status_min_interval_per_router = absl::Seconds(1);
  // When Welcome.heartbeat_interval_ms is 0.
  absl::Duration default_heartbeat_interval = absl::Seconds(10);
  // From dialling to the hub's Welcome; longer counts as a failed dial.
  absl::Duration welcome_timeout = absl::Seconds(30);
  // gRPC keepalive pings (0: off): a dead path to the hub (NAT timeout, hub
  // node gone) is noticed in ~40 s instead of TCP's ~15 min of retransmits,
  // which heartbeats alone (agent -> hub only) would wait for. The srfleet hub
  // accepts pings every 5 s; a gRPC server left at its defaults (one ping per
  // 5 min while it sends nothing) would answer GOAWAY too_many_pings: set 0.
  absl::Duration keepalive_time = absl::Seconds(30);
  std::string watch_namespace;  // "" : all namespaces
  // The status informer's list/watch backoff and timeouts.
  InformerOptions informer;
};

struct HubLinkStats {
  int64_t connect_attempts = 0;  // dials
  int64_t connects = 0;          // streams that got a Welcome
  int64_t upserts_applied = 0;   // upserts that wrote to the API
  int64_t deletes_applied = 0;   // deletes that removed a CR
  int64_t acks = 0;
  int64_t nacks = 0;
  int64_t status_reports_sent = 0;
  int64_t routers_sent = 0;  // RouterStatus entries across all reports
  int64_t removed_sent = 0;
  int64_t heartbeats_sent = 0;
  int64_t claims_updates_sent = 0;
};

class HubLink {
 public:
  // `client` must outlive the link.
  HubLink(kube::KubeClient& client, HubLinkOptions options);
  ~HubLink();  // Stop()
  HubLink(const HubLink&) = delete;
  HubLink& operator=(const HubLink&) = delete;

  // Starts the status informer and the connect loop. InvalidArgument for
  // incomplete options; idempotent; FailedPrecondition after Stop().
  absl::Status Start();
  // Cancels the stream, stops every thread. Idempotent, prompt.
  void Stop();

  // Between the hub's Welcome and the end of that stream.
  bool Connected() const;
  HubLinkStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent::hublink
