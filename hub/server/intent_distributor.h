// The hub's brain: intents and where they must run, registered clusters and
// their live streams, what each cluster holds (deliveries), and the status
// index of every router the agents report.
//
// - Placement: an intent goes to every cluster whose effective labels (the
//   agent's labels, overridden by hub-set labels, plus claims) match its
//   selector; re-evaluated when an intent, a cluster's labels or its claims
//   change.
// - Sync: on Hello the agent says what it holds (id, revision, checksum); the
//   hub sends only what differs. Later changes are pushed as they happen, to
//   connected clusters only; a cluster that is away catches up at its next
//   Hello.
// - Liveness: in memory (last message time); Tick() marks a silent stream
//   Unknown and closes it. Only state transitions are persisted, write-behind.
//
// One mutex guards it all; every method is short and never does I/O under it
// (store writes happen before taking it; pushes only enqueue).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fleet/v1/agent_link.pb.h"
#include "fleet/v1/fleet.pb.h"
#include "hub/server/agent_channel.h"
#include "hub/server/cluster_writer.h"
#include "hub/server/event_bus.h"
#include "hub/server/hub_metrics.h"
#include "hub/server/peer_identity.h"
#include "hub/store/intent_store.h"

namespace srfleet::hub {

inline constexpr char kStateConnected[] = "Connected";
inline constexpr char kStateDisconnected[] = "Disconnected";
inline constexpr char kStateUnknown[] = "Unknown";
inline constexpr char kStateRegistered[] = "Registered";

struct DistributorOptions {
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // A stream silent this long is declared Unknown and closed.
  absl::Duration liveness_timeout = absl::Seconds(12);
  // Accept Hellos from clusters nobody registered (development; off by default).
  bool auto_register = false;
  // Re-push a NACKed revision after this long (doubling, capped at 5 min), in
  // case what made the agent refuse it (a missing namespace) got fixed.
  absl::Duration nack_retry = absl::Seconds(30);
  std::string hub_id = "srfleet-hub";
};


struct ApplyResult {
  std::string intent_id;
  int64_t revision = 0;
  bool unchanged = false;
  std::vector<std::string> targets;
};

class IntentDistributor {
 public:
  IntentDistributor(IntentStore& store, HubMetrics& metrics, EventBus& events, DistributorOptions options);
  ~IntentDistributor();

  // Loads intents and clusters from the store (once, before serving).
  absl::Status Load();

  // --- Fleet API -------------------------------------------------------------
  // `manifest_json` is already validated; `placement` too.
  absl::StatusOr<ApplyResult> ApplyIntent(const std::string& ns, const std::string& name,
                                          const std::string& manifest_json, const fleet::v1::Placement& placement,
                                          int64_t expected_revision, bool dry_run);
  absl::StatusOr<int64_t> DeleteIntent(const std::string& id);
  absl::StatusOr<fleet::v1::IntentView> GetIntent(const std::string& id) const;
  // Hub intents first, then routers only seen on clusters (hub_managed=false).
  std::vector<fleet::v1::IntentView> ListIntents(const std::string& ns) const;
  absl::StatusOr<fleet::v1::ClusterView> RegisterCluster(const std::string& name,
                                                         const std::map<std::string, std::string>& labels,
                                                         bool replace_labels);
  absl::Status DeregisterCluster(const std::string& name);
  absl::StatusOr<fleet::v1::ClusterView> GetCluster(const std::string& name) const;
  std::vector<fleet::v1::ClusterView> ListClusters() const;

  // --- AgentLink (called by AgentSession) -------------------------------------
  // Validates and accepts the Hello: Welcome and the initial diff are queued
  // on `channel`. Returns the session id, or a status to end the stream with.
  absl::StatusOr<uint64_t> OnHello(std::shared_ptr<AgentChannel> channel, const fleet::v1::Hello& hello,
                                   const PeerIdentity& identity);
  // Messages after Hello; errors close the stream (the protocol was broken).
  absl::Status OnMessage(const std::string& cluster, uint64_t session, const fleet::v1::AgentMessage& message);
  // The stream ended. graceful: the agent closed it (Disconnected); otherwise Unknown.
  void OnStreamEnd(const std::string& cluster, uint64_t session, bool graceful);

  // From now on, streams that end are the hub's doing: cluster states stay
  // as they are (agents reconnect to the next hub).
  void BeginShutdown();
  // Liveness and NACK retries; call about once a second.
  void Tick(absl::Time now);
  FleetGauges Gauges() const;
  // Flushes the write-behind cluster records (tests, shutdown).
  absl::Status FlushClusterWrites();

 private:
  class KickOnExit;
  struct IntentEntry;
  struct Delivery;
  struct ClusterEntry;

  // Takes the pending kicks (with mu_ held) / runs them (without).
  std::vector<std::shared_ptr<AgentChannel>> TakeKicksLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void RunKicks(const std::vector<std::shared_ptr<AgentChannel>>& kicks);
  void SendLocked(const std::shared_ptr<AgentChannel>& channel, PushPtr push) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseLocked(const std::shared_ptr<AgentChannel>& channel, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetStateLocked(ClusterEntry& cluster, const std::string& state, absl::Time now, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecomputeEffectiveLabelsLocked(ClusterEntry& cluster) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings a connected cluster in line with placement: upserts what it should
  // hold and does not (at the current revision), deletes what it should not.
  void SyncClusterLocked(ClusterEntry& cluster, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushUpsertLocked(ClusterEntry& cluster, const IntentEntry& intent, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushDeleteLocked(ClusterEntry& cluster, const std::string& intent_id, int64_t revision, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> TargetsLocked(const IntentEntry& intent) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  fleet::v1::IntentView IntentViewLocked(const IntentEntry& intent) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  fleet::v1::ClusterView ClusterViewLocked(const ClusterEntry& cluster) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ClusterRecord SnapshotLocked(const ClusterEntry& cluster) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EmitLocked(const char* type, const char* reason, const std::string& intent_id, const std::string& cluster,
                  int64_t revision, std::string message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status HandleAckLocked(ClusterEntry& cluster, const fleet::v1::Ack& ack, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status HandleNackLocked(ClusterEntry& cluster, const fleet::v1::Nack& nack, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status HandleStatusLocked(ClusterEntry& cluster, const fleet::v1::StatusReport& report)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  IntentStore& store_;
  HubMetrics& metrics_;
  EventBus& events_;
  const DistributorOptions options_;
  const absl::Time started_;
  ClusterWriter writer_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<IntentEntry>> intents_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<ClusterEntry>> clusters_ ABSL_GUARDED_BY(mu_);
  uint64_t next_session_ ABSL_GUARDED_BY(mu_) = 1;
  // Channels with something new to do, kicked once mu_ is released.
  std::vector<std::shared_ptr<AgentChannel>> kicks_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace srfleet::hub
