#include "shared/kubesim/reconciler.h"

#include <utility>
#include <vector>

#include "shared/kubesim/deployment_controller.h"
#include "shared/kubesim/garbage_collector.h"

namespace srfleet::kubesim {

void Settle(ClusterCore& core) {
  // Bounded: a controller loop that never settles is a bug, not a hang.
  for (int round = 0; round < 10000 && !core.pending.empty(); ++round) {
    std::vector<PendingChange> batch;
    batch.swap(core.pending);
    for (const auto& change : batch) {
      if (change.type == EventType::kDeleted) {
        OnRemoved(core, change);
        continue;
      }
      const ResourceType* t = core.registry.Get(change.key.type);
      if (t && t->group == "apps" && t->resource == "deployments") {
        ReconcileDeployment(core, change.key, core.options.hold_readiness);
      }
    }
  }
  core.pending.clear();
}

}  // namespace srfleet::kubesim
