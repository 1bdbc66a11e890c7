// The Fleet API's reads of the distributor: intents with their per-cluster
// deliveries and status, routers seen only on clusters, and clusters.
#include <algorithm>
#include <utility>

#include "hub/placement/label_selector.h"
#include "hub/server/distributor_state.h"
#include "hub/server/intent_distributor.h"

namespace srfleet::hub {

absl::StatusOr<fleet::v1::IntentView> IntentDistributor::GetIntent(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = intents_.find(id);
  if (it != intents_.end()) return IntentViewLocked(*it->second);
  // A router applied locally on some cluster(s).
  fleet::v1::IntentView local;
  for (const auto& [cname, cluster] : clusters_) {
    auto r = cluster->routers.find(id);
    if (r == cluster->routers.end() || !r->second.intent_id().empty()) continue;
    local.set_intent_id(id);
    local.set_namespace_(r->second.namespace_());
    local.set_name(r->second.name());
    fleet::v1::Delivery* d = local.add_deliveries();
    d->set_cluster(cname);
    d->set_cluster_state(cluster->state);
    *d->mutable_status() = r->second;
    local.add_target_clusters(cname);
  }
  if (local.intent_id().empty()) {
    return absl::NotFoundError(absl::StrCat("semanticrouter ", id, " not found at the hub or on any cluster"));
  }
  return local;
}

std::vector<fleet::v1::IntentView> IntentDistributor::ListIntents(const std::string& ns) const {
  std::vector<fleet::v1::IntentView> out;
  absl::MutexLock lock(&mu_);
  std::vector<const IntentEntry*> sorted;
  for (const auto& [id, intent] : intents_) {
    if (ns.empty() || intent->record.ns == ns) sorted.push_back(intent.get());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const IntentEntry* a, const IntentEntry* b) { return a->record.id < b->record.id; });
  for (const IntentEntry* e : sorted) out.push_back(IntentViewLocked(*e));
  // Routers applied directly on clusters (not from the hub).
  std::map<std::string, fleet::v1::IntentView> local;
  for (const auto& [cname, cluster] : clusters_) {
    for (const auto& [key, status] : cluster->routers) {
      if (!status.intent_id().empty()) continue;
      if (!ns.empty() && status.namespace_() != ns) continue;
      fleet::v1::IntentView& view = local[key];
      view.set_intent_id(key);
      view.set_namespace_(status.namespace_());
      view.set_name(status.name());
      view.set_hub_managed(false);
      fleet::v1::Delivery* d = view.add_deliveries();
      d->set_cluster(cname);
      d->set_cluster_state(cluster->state);
      *d->mutable_status() = status;
      view.add_target_clusters(cname);
    }
  }
  for (auto& [key, view] : local) out.push_back(std::move(view));
  return out;
}

fleet::v1::IntentView IntentDistributor::IntentViewLocked(const IntentEntry& intent) const {
  const IntentRecord& r = intent.record;
  fleet::v1::IntentView view;
  view.set_intent_id(r.id);
  view.set_namespace_(r.ns);
  view.set_name(r.name);
  view.set_revision(r.revision);
  view.set_checksum(r.checksum);
  *view.mutable_placement() = intent.placement;
  view.set_created_unix_ms(UnixMs(r.created));
  view.set_updated_unix_ms(UnixMs(r.updated));
  view.set_manifest_json(r.manifest_json);
  view.set_hub_managed(true);
  const std::string key = RouterKey(r.ns, r.name);
  for (const auto& [cname, cluster] : clusters_) {
    const bool target = Matches(intent.placement, cluster->effective);
    auto d = cluster->deliveries.find(r.id);
    if (!target && d == cluster->deliveries.end()) continue;
    if (target) view.add_target_clusters(cname);
    fleet::v1::Delivery* out = view.add_deliveries();
    out->set_cluster(cname);
    out->set_cluster_state(cluster->state);
    if (d != cluster->deliveries.end()) {
      out->set_pushed_revision(d->second.pushed_revision);
      out->set_acked_revision(d->second.acked_revision);
      out->set_nack_error(d->second.nack_error);
      out->set_nack_revision(d->second.nack_revision);
    }
    auto router = cluster->routers.find(key);
    if (router != cluster->routers.end() && router->second.intent_id() == r.id) {
      *out->mutable_status() = router->second;
    }
  }
  return view;
}

absl::StatusOr<fleet::v1::ClusterView> IntentDistributor::GetCluster(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = clusters_.find(name);
  if (it == clusters_.end()) return absl::NotFoundError(absl::StrCat("cluster ", name, " is not registered"));
  return ClusterViewLocked(*it->second);
}

std::vector<fleet::v1::ClusterView> IntentDistributor::ListClusters() const {
  absl::MutexLock lock(&mu_);
  std::vector<fleet::v1::ClusterView> out;
  for (const auto& [name, cluster] : clusters_) out.push_back(ClusterViewLocked(*cluster));
  return out;
}

fleet::v1::ClusterView IntentDistributor::ClusterViewLocked(const ClusterEntry& c) const {
  fleet::v1::ClusterView v;
  v.set_name(c.record.name);
  v.set_state(c.state);
  for (const auto& [k, val] : c.record.agent_labels) (*v.mutable_labels())[k] = val;
  for (const auto& [k, val] : c.record.labels) (*v.mutable_labels())[k] = val;
  for (const auto& [k, val] : c.record.claims) (*v.mutable_claims())[k] = val;
  v.set_agent_version(c.record.agent_version);
  v.set_registered_unix_ms(UnixMs(c.record.registered));
  v.set_last_seen_unix_ms(UnixMs(c.last_seen));
  v.set_state_since_unix_ms(UnixMs(c.state_since));
  int ready = 0;
  for (const auto& [key, s] : c.routers) ready += s.phase() == "Running" ? 1 : 0;
  v.set_routers(static_cast<int32_t>(c.routers.size()));
  v.set_routers_ready(ready);
  int assigned = 0;
  for (const auto& [id, intent] : intents_) assigned += Matches(intent->placement, c.effective) ? 1 : 0;
  int acked = 0, nacked = 0;
  for (const auto& [id, d] : c.deliveries) {
    auto it = intents_.find(id);
    if (it != intents_.end() && d.acked_revision == it->second->record.revision) ++acked;
    if (!d.nack_error.empty()) ++nacked;
  }
  v.set_intents_assigned(assigned);
  v.set_intents_acked(acked);
  v.set_intents_nacked(nacked);
  v.set_peer(c.peer);
  return v;
}

}  // namespace srfleet::hub
