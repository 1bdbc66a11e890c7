// Deletion as the real control plane carries it out, but synchronously
// inside the request: finalizers hold an object (deletionTimestamp set)
// until they are removed; ownerReference garbage collection with the
// Background, Foreground and Orphan propagation policies; namespace
// termination; CRD removal taking its custom resources along.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "shared/kubesim/cluster_core.h"

namespace srfleet::kubesim {

enum class Propagation { kBackground, kForeground, kOrphan };

struct DeleteOptions {
  Propagation propagation = Propagation::kBackground;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

struct DeleteOutcome {
  StoredObject object;   // the final state (removed) or the terminating object
  bool removed = false;  // gone from storage now
};

absl::StatusOr<DeleteOutcome> DeleteObject(ClusterCore& core, const ObjectKey& key, const DeleteOptions& options)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

// Reactions to an object that left storage: dependents are collected (or
// lose the dangling owner reference when other owners remain), owners
// waiting in foreground deletion may finish, a terminating namespace that
// became empty goes, and a removed CRD takes its objects and type along.
void OnRemoved(ClusterCore& core, const PendingChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

}  // namespace srfleet::kubesim
