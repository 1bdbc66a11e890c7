// A minimal kube-controller-manager deployment controller, run inline after
// each Deployment write: it writes status (observedGeneration, replica
// counts, Available/Progressing conditions) through the status path as
// "kube-controller-manager". Pods are not simulated; they become ready at
// once unless readiness is held.
#pragma once

#include "shared/kubesim/cluster_core.h"

namespace srfleet::kubesim {

void ReconcileDeployment(ClusterCore& core, const ObjectKey& key, bool hold_readiness)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
void ReconcileAllDeployments(ClusterCore& core, bool hold_readiness) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

}  // namespace srfleet::kubesim
