// Runs the in-process controllers (garbage collector, namespace and CRD
// cleanup, deployment controller) until the changes of a request have
// settled. Called at the end of every write, still under the cluster lock,
// so a client sees the controllers' effects as soon as its request returns.
#pragma once

#include "shared/kubesim/cluster_core.h"

namespace srfleet::kubesim {

void Settle(ClusterCore& core) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

}  // namespace srfleet::kubesim
