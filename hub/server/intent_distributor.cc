#include "hub/server/intent_distributor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/placement/label_selector.h"
#include "hub/server/distributor_state.h"
#include "hub/server/prepared_push.h"
#include "shared/text/k8s_names.h"

namespace srfleet::hub {
namespace {

// DNS-1123 label: what a cluster name must be (it ends up in labels and
// certificate names).
bool IsDnsLabel(const std::string& s) { return s.size() <= text::kMaxDnsLabelLength && text::IsDns1123Label(s); }

// Protocol limits, so one agent cannot make the hub hold unbounded state.
constexpr int kMaxLabels = 256;
constexpr int kMaxKnown = 100000;
constexpr int kMaxRoutersPerReport = 10000;
constexpr int kMaxRoutersPerCluster = 100000;

}  // namespace

// Runs the kicks collected while a method held mu_, after it released it
// (declared before the MutexLock, so destroyed after it).
class IntentDistributor::KickOnExit {
 public:
  explicit KickOnExit(IntentDistributor& d) : d_(d) {}
  ~KickOnExit() {
    std::vector<std::shared_ptr<AgentChannel>> kicks;
    {
      absl::MutexLock lock(&d_.mu_);
      kicks.swap(d_.kicks_);
    }
    RunKicks(kicks);
  }

 private:
  IntentDistributor& d_;
};

void IntentDistributor::RunKicks(const std::vector<std::shared_ptr<AgentChannel>>& kicks) {
  for (const auto& channel : kicks) channel->Kick();
}

void IntentDistributor::SendLocked(const std::shared_ptr<AgentChannel>& channel, PushPtr push) {
  channel->Enqueue(std::move(push));
  kicks_.push_back(channel);
}

void IntentDistributor::CloseLocked(const std::shared_ptr<AgentChannel>& channel, const absl::Status& status) {
  channel->Close(status);
  kicks_.push_back(channel);
}

IntentDistributor::IntentDistributor(IntentStore& store, HubMetrics& metrics, EventBus& events,
                                     DistributorOptions options)
    : store_(store),
      metrics_(metrics),
      events_(events),
      options_(std::move(options)),
      started_(absl::Now()),
      writer_(store, absl::Milliseconds(200), [&metrics](const char* op, absl::Duration d, bool ok) {
        metrics.OnStoreOp(op, d, ok);
      }) {}

IntentDistributor::~IntentDistributor() {
  KickOnExit kick(*this);
  absl::MutexLock lock(&mu_);
  for (auto& [name, cluster] : clusters_) {
    if (cluster->channel) CloseLocked(cluster->channel, absl::UnavailableError("hub shutting down"));
  }
}

absl::Status IntentDistributor::Load() {
  const absl::Time t0 = absl::Now();
  absl::StatusOr<std::vector<IntentRecord>> intents = store_.ListIntents();
  metrics_.OnStoreOp("list_intents", absl::Now() - t0, intents.ok());
  if (!intents.ok()) return intents.status();
  absl::StatusOr<std::vector<ClusterRecord>> clusters = store_.ListClusters();
  if (!clusters.ok()) return clusters.status();

  absl::MutexLock lock(&mu_);
  for (IntentRecord& r : *intents) {
    auto entry = std::make_unique<IntentEntry>();
    absl::StatusOr<fleet::v1::Placement> placement = ParseSelector(r.placement);
    if (!placement.ok()) {
      return absl::DataLossError(absl::StrCat("stored placement of intent ", r.id, " does not parse: ",
                                              std::string(placement.status().message())));
    }
    entry->placement = *std::move(placement);
    entry->upsert = PrepareUpsert(r.id, r.revision, r.checksum, r.ns, r.name, r.manifest_json);
    entry->record = std::move(r);
    intents_[entry->record.id] = std::move(entry);
  }
  for (ClusterRecord& r : *clusters) {
    auto entry = std::make_unique<ClusterEntry>();
    entry->record = std::move(r);
    // Nobody is connected to a hub that just started: a cluster that was
    // Connected is Unknown until its agent comes back (persisted only if it
    // does not, see Tick).
    entry->state = entry->record.state == kStateConnected ? kStateUnknown : entry->record.state;
    entry->state_since = entry->record.state_since;
    RecomputeEffectiveLabelsLocked(*entry);
    clusters_[entry->record.name] = std::move(entry);
  }
  return absl::OkStatus();
}

// --- placement ------------------------------------------------------------------

void IntentDistributor::RecomputeEffectiveLabelsLocked(ClusterEntry& cluster) {
  // Agent labels < hub labels < claims (facts cannot be overridden by a label).
  cluster.effective = cluster.record.agent_labels;
  for (const auto& [k, v] : cluster.record.labels) cluster.effective[k] = v;
  for (const auto& [k, v] : cluster.record.claims) cluster.effective[k] = v;
}

std::vector<std::string> IntentDistributor::TargetsLocked(const IntentEntry& intent) const {
  std::vector<std::string> targets;
  for (const auto& [name, cluster] : clusters_) {
    if (Matches(intent.placement, cluster->effective)) targets.push_back(name);
  }
  return targets;
}

void IntentDistributor::PushUpsertLocked(ClusterEntry& cluster, const IntentEntry& intent, absl::Time now) {
  Delivery& d = cluster.deliveries[intent.record.id];
  if (d.acked_revision == intent.record.revision && d.acked_checksum == intent.record.checksum) return;
  if (!d.pushed_delete && d.pushed_revision == intent.record.revision) return;  // in flight
  d.pushed_revision = intent.record.revision;
  d.pushed_delete = false;
  d.pushed_nonce = intent.upsert->nonce;
  d.pushed_checksum = intent.record.checksum;
  d.pushed_at = now;
  SendLocked(cluster.channel, intent.upsert);
}

void IntentDistributor::PushDeleteLocked(ClusterEntry& cluster, const std::string& intent_id, int64_t revision,
                                         absl::Time now) {
  auto it = cluster.deliveries.find(intent_id);
  if (it == cluster.deliveries.end()) return;
  Delivery& d = it->second;
  if (d.pushed_delete) return;  // in flight
  if (d.acked_revision == 0 && d.pushed_revision == 0) {
    cluster.deliveries.erase(it);
    return;
  }
  PushPtr push = PrepareDelete(intent_id, revision);
  d.pushed_delete = true;
  d.pushed_revision = 0;
  d.pushed_nonce = push->nonce;
  d.pushed_at = now;
  SendLocked(cluster.channel, std::move(push));
}

void IntentDistributor::SyncClusterLocked(ClusterEntry& cluster, absl::Time now) {
  if (!cluster.channel) return;
  for (const auto& [id, intent] : intents_) {
    if (Matches(intent->placement, cluster.effective)) PushUpsertLocked(cluster, *intent, now);
  }
  std::vector<std::string> stale;
  for (const auto& [id, d] : cluster.deliveries) {
    auto it = intents_.find(id);
    if (it == intents_.end() || !Matches(it->second->placement, cluster.effective)) stale.push_back(id);
  }
  for (const std::string& id : stale) {
    auto it = intents_.find(id);
    PushDeleteLocked(cluster, id, it == intents_.end() ? 0 : it->second->record.revision, now);
  }
}

// --- Fleet API ---------------------------------------------------------------------

absl::StatusOr<ApplyResult> IntentDistributor::ApplyIntent(const std::string& ns, const std::string& name,
                                                           const std::string& manifest_json,
                                                           const fleet::v1::Placement& placement,
                                                           int64_t expected_revision, bool dry_run) {
  KickOnExit kick(*this);
  IntentRecord draft;
  draft.id = RouterKey(ns, name);
  draft.ns = ns;
  draft.name = name;
  draft.manifest_json = manifest_json;
  draft.checksum = Sha256Hex(manifest_json);
  draft.placement = FormatSelector(placement);

  ApplyResult result;
  result.intent_id = draft.id;
  {
    absl::MutexLock lock(&mu_);
    auto it = intents_.find(draft.id);
    if (it != intents_.end()) {
      const IntentRecord& cur = it->second->record;
      if (expected_revision > 0 && cur.revision != expected_revision) {
        return absl::FailedPreconditionError(absl::StrCat("intent ", draft.id, " is at revision ", cur.revision,
                                                          ", not ", expected_revision, "; re-read and retry"));
      }
      if (cur.checksum == draft.checksum && cur.placement == draft.placement) {
        result.revision = cur.revision;
        result.unchanged = true;
        result.targets = TargetsLocked(*it->second);
        return result;
      }
    } else if (expected_revision > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("intent ", draft.id, " does not exist, not at revision ", expected_revision));
    }
    if (dry_run) {
      IntentEntry probe;
      probe.placement = placement;
      result.targets = TargetsLocked(probe);
      return result;
    }
  }

  const absl::Time t0 = absl::Now();
  absl::StatusOr<IntentRecord> stored = store_.PutIntent(draft, expected_revision);
  metrics_.OnStoreOp("put_intent", absl::Now() - t0, stored.ok());
  if (!stored.ok()) return stored.status();

  auto entry = std::make_unique<IntentEntry>();
  entry->placement = placement;
  entry->upsert = PrepareUpsert(stored->id, stored->revision, stored->checksum, stored->ns, stored->name,
                                stored->manifest_json);
  entry->record = *std::move(stored);

  absl::MutexLock lock(&mu_);
  auto it = intents_.find(draft.id);
  // Two applies raced: the store ordered them; memory keeps the newer.
  if (it != intents_.end() && it->second->record.revision > entry->record.revision) {
    result.revision = entry->record.revision;
    result.targets = TargetsLocked(*entry);
    return result;
  }
  const bool created = it == intents_.end();
  IntentEntry& intent = *(intents_[draft.id] = std::move(entry));
  const absl::Time now = absl::Now();
  result.revision = intent.record.revision;
  result.targets = TargetsLocked(intent);
  for (auto& [cname, cluster] : clusters_) {
    if (!cluster->channel) continue;
    if (Matches(intent.placement, cluster->effective)) {
      PushUpsertLocked(*cluster, intent, now);
    } else if (cluster->deliveries.contains(intent.record.id)) {
      PushDeleteLocked(*cluster, intent.record.id, intent.record.revision, now);
    }
  }
  EmitLocked("Normal", created ? "IntentCreated" : "IntentUpdated", intent.record.id, "", intent.record.revision,
             absl::StrCat("revision ", intent.record.revision, " for ", result.targets.size(), " cluster(s)",
                          result.targets.empty() ? "" : ": ", absl::StrJoin(result.targets, ", ")));
  return result;
}

absl::StatusOr<int64_t> IntentDistributor::DeleteIntent(const std::string& id) {
  KickOnExit kick(*this);
  {
    absl::MutexLock lock(&mu_);
    if (!intents_.contains(id)) return absl::NotFoundError(absl::StrCat("intent ", id, " not found"));
  }
  const absl::Time t0 = absl::Now();
  absl::StatusOr<int64_t> revision = store_.DeleteIntent(id);
  metrics_.OnStoreOp("delete_intent", absl::Now() - t0, revision.ok());
  if (!revision.ok()) return revision.status();
  absl::MutexLock lock(&mu_);
  intents_.erase(id);
  const absl::Time now = absl::Now();
  for (auto& [name, cluster] : clusters_) {
    if (cluster->channel) PushDeleteLocked(*cluster, id, *revision, now);
  }
  EmitLocked("Normal", "IntentDeleted", id, "", *revision, "removed from every cluster that holds it");
  return *revision;
}

absl::StatusOr<fleet::v1::ClusterView> IntentDistributor::RegisterCluster(
    const std::string& name, const std::map<std::string, std::string>& labels, bool replace_labels) {
  KickOnExit kick(*this);
  if (!IsDnsLabel(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: \"", name, "\" is not a DNS-1123 label (lowercase letters, digits, '-', <= 63)"));
  }
  fleet::v1::ClusterView view;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = clusters_.try_emplace(name, nullptr);
    const absl::Time now = absl::Now();
    if (inserted) {
      it->second = std::make_unique<ClusterEntry>();
      it->second->record.name = name;
      it->second->record.registered = now;
      it->second->record.state = kStateRegistered;
      it->second->record.state_since = now;
      it->second->state = kStateRegistered;
      it->second->state_since = now;
    }
    ClusterEntry& cluster = *it->second;
    if (replace_labels) cluster.record.labels.clear();
    for (const auto& [k, v] : labels) cluster.record.labels[k] = v;
    RecomputeEffectiveLabelsLocked(cluster);
    SyncClusterLocked(cluster, now);
    writer_.Put(SnapshotLocked(cluster));
    if (inserted) EmitLocked("Normal", "ClusterRegistered", "", name, 0, "registered at the hub");
    view = ClusterViewLocked(cluster);
  }
  // The caller is told "registered" only once it is durable.
  if (absl::Status s = writer_.Flush(); !s.ok()) return s;
  return view;
}

absl::Status IntentDistributor::DeregisterCluster(const std::string& name) {
  KickOnExit kick(*this);
  {
    absl::MutexLock lock(&mu_);
    auto it = clusters_.find(name);
    if (it == clusters_.end()) return absl::NotFoundError(absl::StrCat("cluster ", name, " is not registered"));
    if (it->second->channel) {
      CloseLocked(it->second->channel, absl::PermissionDeniedError(absl::StrCat("cluster ", name, " was deregistered")));
    }
    clusters_.erase(it);
    writer_.Delete(name);
    EmitLocked("Normal", "ClusterDeregistered", "", name, 0,
               "deregistered; its routers stay on the cluster until removed there");
  }
  return writer_.Flush();
}

ClusterRecord IntentDistributor::SnapshotLocked(const ClusterEntry& cluster) const { return cluster.record; }

// --- AgentLink ---------------------------------------------------------------------

absl::StatusOr<uint64_t> IntentDistributor::OnHello(std::shared_ptr<AgentChannel> channel,
                                                    const fleet::v1::Hello& hello, const PeerIdentity& identity) {
  KickOnExit kick(*this);
  const std::string& name = hello.cluster();
  if (!IsDnsLabel(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hello.cluster: \"", name, "\" is not a DNS-1123 label (lowercase letters, digits, '-', <= 63 chars)"));
  }
  if (hello.protocol_version() > 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("hello.protocol_version: ", hello.protocol_version(), " is newer than this hub speaks (1)"));
  }
  if (hello.labels_size() > kMaxLabels || hello.claims_size() > kMaxLabels) {
    return absl::InvalidArgumentError(absl::StrCat("hello.labels/claims: more than ", kMaxLabels, " entries"));
  }
  if (hello.known_size() > kMaxKnown) {
    return absl::InvalidArgumentError(absl::StrCat("hello.known: more than ", kMaxKnown, " entries"));
  }
  if (identity.mtls_required &&
      std::find(identity.names.begin(), identity.names.end(), name) == identity.names.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("hello.cluster: \"", name, "\" is not a name in the client certificate (",
                     identity.names.empty() ? "none" : absl::StrJoin(identity.names, ", "),
                     "); issue the agent a certificate with CN or DNS SAN ", name));
  }

  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  auto it = clusters_.find(name);
  if (it == clusters_.end()) {
    if (!options_.auto_register) {
      return absl::PermissionDeniedError(absl::StrCat("cluster \"", name,
                                                      "\" is not registered at this hub; register it with "
                                                      "`srfleet clusters register ",
                                                      name, "`"));
    }
    auto entry = std::make_unique<ClusterEntry>();
    entry->record.name = name;
    entry->record.registered = now;
    entry->record.state = kStateRegistered;
    entry->state = kStateRegistered;
    entry->state_since = now;
    it = clusters_.emplace(name, std::move(entry)).first;
    EmitLocked("Normal", "ClusterRegistered", "", name, 0, "registered on first connect (--auto-register)");
  }
  ClusterEntry& cluster = *it->second;
  if (cluster.channel) {
    // The newest stream wins: the old one is a half-dead connection or a
    // second replica that lost its leadership.
    CloseLocked(cluster.channel, absl::AbortedError(absl::StrCat("replaced by a newer stream from ", identity.peer)));
  }
  cluster.channel = std::move(channel);
  cluster.session = next_session_++;
  cluster.peer = identity.peer;
  cluster.last_seen = now;

  std::map<std::string, std::string> labels(hello.labels().begin(), hello.labels().end());
  std::map<std::string, std::string> claims(hello.claims().begin(), hello.claims().end());
  const bool facts_changed = labels != cluster.record.agent_labels || claims != cluster.record.claims ||
                             hello.agent_version() != cluster.record.agent_version;
  cluster.record.agent_labels = std::move(labels);
  cluster.record.claims = std::move(claims);
  cluster.record.agent_version = hello.agent_version();
  RecomputeEffectiveLabelsLocked(cluster);

  // What the cluster holds, by its own account, replaces what we believed.
  cluster.deliveries.clear();
  for (const fleet::v1::KnownIntent& k : hello.known()) {
    Delivery& d = cluster.deliveries[k.intent_id()];
    d.acked_revision = k.revision();
    d.acked_checksum = k.checksum();
  }
  cluster.routers.clear();  // the first StatusReport (full) refills it

  fleet::v1::Welcome welcome;
  welcome.set_heartbeat_interval_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(options_.heartbeat_interval)));
  welcome.set_hub_id(options_.hub_id);
  for (const auto& [k, v] : cluster.effective) (*welcome.mutable_labels())[k] = v;
  SendLocked(cluster.channel, PrepareWelcome(welcome));
  SyncClusterLocked(cluster, now);

  const bool state_changed = cluster.record.state != kStateConnected;
  SetStateLocked(cluster, kStateConnected, now, absl::StrCat("agent ", hello.agent_version(), " connected from ",
                                                             identity.peer));
  if (facts_changed && !state_changed) writer_.Put(SnapshotLocked(cluster));
  return cluster.session;
}

void IntentDistributor::SetStateLocked(ClusterEntry& cluster, const std::string& state, absl::Time now,
                                       const std::string& why) {
  const bool live_change = cluster.state != state;
  if (live_change) {
    cluster.state = state;
    cluster.state_since = now;
    EmitLocked(state == kStateConnected ? "Normal" : "Warning", absl::StrCat("Cluster", state).c_str(), "",
               cluster.record.name, 0, why);
  }
  // Persist transitions only (a reconnect to a restarted hub finds the
  // cluster already Connected on disk and writes nothing).
  if (cluster.record.state != state) {
    cluster.record.state = state;
    cluster.record.state_since = cluster.state_since;
    writer_.Put(SnapshotLocked(cluster));
  }
}

absl::Status IntentDistributor::OnMessage(const std::string& name, uint64_t session,
                                          const fleet::v1::AgentMessage& message) {
  KickOnExit kick(*this);
  absl::MutexLock lock(&mu_);
  auto it = clusters_.find(name);
  if (it == clusters_.end() || it->second->session != session) {
    return absl::AbortedError("this stream was replaced or its cluster deregistered");
  }
  ClusterEntry& cluster = *it->second;
  const absl::Time now = absl::Now();
  cluster.last_seen = now;
  switch (message.kind_case()) {
    case fleet::v1::AgentMessage::kAck:
      return HandleAckLocked(cluster, message.ack(), now);
    case fleet::v1::AgentMessage::kNack:
      return HandleNackLocked(cluster, message.nack(), now);
    case fleet::v1::AgentMessage::kStatus:
      return HandleStatusLocked(cluster, message.status());
    case fleet::v1::AgentMessage::kHeartbeat:
      return absl::OkStatus();
    case fleet::v1::AgentMessage::kClaims: {
      if (message.claims().claims_size() > kMaxLabels) {
        return absl::InvalidArgumentError(absl::StrCat("claims: more than ", kMaxLabels, " entries"));
      }
      std::map<std::string, std::string> claims(message.claims().claims().begin(), message.claims().claims().end());
      if (claims == cluster.record.claims) return absl::OkStatus();
      cluster.record.claims = std::move(claims);
      RecomputeEffectiveLabelsLocked(cluster);
      SyncClusterLocked(cluster, now);
      writer_.Put(SnapshotLocked(cluster));
      EmitLocked("Normal", "ClaimsChanged", "", name, 0, "platform facts changed; placement re-evaluated");
      return absl::OkStatus();
    }
    case fleet::v1::AgentMessage::kHello:
      return absl::InvalidArgumentError("hello: sent twice on one stream");
    case fleet::v1::AgentMessage::KIND_NOT_SET:
      return absl::InvalidArgumentError("message: empty or of a kind this hub does not know");
  }
  return absl::OkStatus();
}

absl::Status IntentDistributor::HandleAckLocked(ClusterEntry& cluster, const fleet::v1::Ack& ack, absl::Time now) {
  auto it = cluster.deliveries.find(ack.intent_id());
  if (it == cluster.deliveries.end()) return absl::OkStatus();  // superseded; harmless
  Delivery& d = it->second;
  const bool current = ack.nonce() == d.pushed_nonce;
  if (current) metrics_.OnAck(now - d.pushed_at);
  if (d.pushed_delete) {
    if (current) {
      cluster.deliveries.erase(it);
      EmitLocked("Normal", "Removed", ack.intent_id(), cluster.record.name, 0, "removed from the cluster");
    }
    return absl::OkStatus();
  }
  if (ack.revision() >= d.acked_revision) {
    d.acked_revision = ack.revision();
    if (ack.revision() == d.pushed_revision) d.acked_checksum = d.pushed_checksum;
  }
  if (d.nack_revision <= ack.revision()) {
    d.nack_error.clear();
    d.nack_revision = 0;
    d.nack_attempts = 0;
  }
  if (current) EmitLocked("Normal", "Acked", ack.intent_id(), cluster.record.name, ack.revision(), "applied");
  return absl::OkStatus();
}

absl::Status IntentDistributor::HandleNackLocked(ClusterEntry& cluster, const fleet::v1::Nack& nack, absl::Time now) {
  metrics_.OnNack();
  auto it = cluster.deliveries.find(nack.intent_id());
  if (it == cluster.deliveries.end()) return absl::OkStatus();
  Delivery& d = it->second;
  if (nack.nonce() != d.pushed_nonce) return absl::OkStatus();  // about a superseded push
  d.nack_revision = nack.revision();
  d.nack_error = nack.error().substr(0, 4096);
  d.nack_at = now;
  ++d.nack_attempts;
  EmitLocked("Warning", "Nacked", nack.intent_id(), cluster.record.name, nack.revision(), d.nack_error);
  return absl::OkStatus();
}

absl::Status IntentDistributor::HandleStatusLocked(ClusterEntry& cluster, const fleet::v1::StatusReport& report) {
  if (report.routers_size() > kMaxRoutersPerReport) {
    return absl::InvalidArgumentError(
        absl::StrCat("status.routers: ", report.routers_size(), " in one report; the limit is ", kMaxRoutersPerReport));
  }
  metrics_.OnStatusReport(report.routers_size());
  std::map<std::string, fleet::v1::RouterStatus> before;
  if (report.full()) before.swap(cluster.routers);
  for (const std::string& key : report.removed()) cluster.routers.erase(key);
  for (const fleet::v1::RouterStatus& s : report.routers()) {
    if (s.namespace_().empty() || s.name().empty()) {
      return absl::InvalidArgumentError("status.routers[]: namespace and name are required");
    }
    const std::string key = RouterKey(s.namespace_(), s.name());
    auto old = cluster.routers.find(key);
    std::string old_phase;
    if (old != cluster.routers.end()) {
      old_phase = old->second.phase();
    } else if (auto b = before.find(key); b != before.end()) {
      old_phase = b->second.phase();
    }
    if (old == cluster.routers.end() && cluster.routers.size() >= static_cast<size_t>(kMaxRoutersPerCluster)) {
      return absl::ResourceExhaustedError(absl::StrCat("status: more than ", kMaxRoutersPerCluster, " routers"));
    }
    if (old_phase != s.phase()) {
      EmitLocked(s.phase() == "Running" ? "Normal" : "Warning", "RouterPhase",
                 s.intent_id().empty() ? key : s.intent_id(), cluster.record.name, s.intent_revision(),
                 absl::StrCat(key, " ", old_phase.empty() ? "-" : old_phase, " -> ", s.phase()));
    }
    cluster.routers[key] = s;
  }
  return absl::OkStatus();
}

void IntentDistributor::OnStreamEnd(const std::string& name, uint64_t session, bool graceful) {
  absl::MutexLock lock(&mu_);
  auto it = clusters_.find(name);
  if (it == clusters_.end() || it->second->session != session) return;
  ClusterEntry& cluster = *it->second;
  cluster.channel.reset();
  cluster.session = 0;
  if (shutting_down_) return;
  SetStateLocked(cluster, graceful ? kStateDisconnected : kStateUnknown, absl::Now(),
                 graceful ? "the agent closed its stream" : "the stream broke; the agent may be down or cut off");
}

void IntentDistributor::BeginShutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
}

void IntentDistributor::Tick(absl::Time now) {
  KickOnExit kick(*this);
  absl::MutexLock lock(&mu_);
  for (auto& [name, cluster] : clusters_) {
    if (cluster->channel) {
      if (now - cluster->last_seen > options_.liveness_timeout) {
        CloseLocked(cluster->channel, absl::UnavailableError(
            absl::StrCat("no message for ", absl::FormatDuration(now - cluster->last_seen),
                         "; heartbeats are due every ", absl::FormatDuration(options_.heartbeat_interval))));
        cluster->channel.reset();
        cluster->session = 0;
        SetStateLocked(*cluster, kStateUnknown, now, "heartbeats stopped");
        continue;
      }
      for (auto& [id, d] : cluster->deliveries) {
        if (d.nack_error.empty() || d.pushed_delete) continue;
        const absl::Duration wait =
            std::min(options_.nack_retry * (1 << std::min(d.nack_attempts - 1, 10)), absl::Minutes(5));
        if (now - d.nack_at < wait) continue;
        auto intent = intents_.find(id);
        if (intent == intents_.end() || intent->second->record.revision != d.pushed_revision) continue;
        d.nack_at = now;
        d.pushed_at = now;
        SendLocked(cluster->channel, intent->second->upsert);
      }
    } else if (cluster->record.state == kStateConnected && now - started_ > options_.liveness_timeout) {
      // Connected when the previous hub stopped and not back since.
      SetStateLocked(*cluster, kStateUnknown, now, "did not reconnect after the hub restarted");
    }
  }
}

FleetGauges IntentDistributor::Gauges() const {
  absl::MutexLock lock(&mu_);
  FleetGauges g;
  g.intents = static_cast<int>(intents_.size());
  for (const auto& [name, cluster] : clusters_) {
    ++g.clusters_by_state[cluster->state];
    if (cluster->channel) {
      ++g.agents_connected;
      g.queued_pushes += cluster->channel->Queued();
    }
    g.routers_reported += static_cast<int>(cluster->routers.size());
  }
  return g;
}

absl::Status IntentDistributor::FlushClusterWrites() { return writer_.Flush(); }

void IntentDistributor::EmitLocked(const char* type, const char* reason, const std::string& intent_id,
                                   const std::string& cluster, int64_t revision, std::string message) {
  fleet::v1::FleetEvent e;
  e.set_unix_ms(absl::ToUnixMillis(absl::Now()));
  e.set_type(type);
  e.set_reason(reason);
  e.set_intent_id(intent_id);
  e.set_cluster(cluster);
  e.set_revision(revision);
  e.set_message(std::move(message));
  events_.Publish(std::move(e));
}

}  // namespace srfleet::hub
