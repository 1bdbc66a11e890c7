// The state of one simulated cluster and the single path every change takes
// (CommitPut/CommitDelete: next resourceVersion, store, watch cache, open
// watches), shared by the request handlers and the in-process controllers.
// Everything here runs under `mu`; nothing owns a thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/object_store.h"
#include "shared/kubesim/resource_registry.h"
#include "shared/kubesim/watch_cache.h"
#include "shared/kubesim/watch_hub.h"

namespace srfleet::kubesim {

// A change the controllers still have to react to.
struct PendingChange {
  ObjectKey key;
  EventType type;
  StoredObject object;  // the committed state (for DELETED: the last one)
};

class ClusterCore {
 public:
  explicit ClusterCore(ClusterOptions options);

  mutable absl::Mutex mu;

  ClusterOptions options ABSL_GUARDED_BY(mu);
  int64_t resource_version ABSL_GUARDED_BY(mu) = 0;
  uint64_t rng ABSL_GUARDED_BY(mu) = 0;
  ResourceRegistry registry ABSL_GUARDED_BY(mu);
  ObjectStore store ABSL_GUARDED_BY(mu);
  WatchCache cache ABSL_GUARDED_BY(mu);
  WatchHub watches ABSL_GUARDED_BY(mu);
  FaultPlan faults ABSL_GUARDED_BY(mu);
  int64_t fault_requests ABSL_GUARDED_BY(mu) = 0;
  uint64_t fault_rng ABSL_GUARDED_BY(mu) = 0;
  RequestCounters counters ABSL_GUARDED_BY(mu);
  uint32_t next_service_ip ABSL_GUARDED_BY(mu) = 10;
  int next_node_port ABSL_GUARDED_BY(mu) = 30000;
  std::vector<PendingChange> pending ABSL_GUARDED_BY(mu);

  std::chrono::system_clock::time_point NowTime() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  std::string Now() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  std::string NewUid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  std::string AllocateClusterIp() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  int AllocateNodePort() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Name of the StorageClass annotated as the default, or "".
  std::string DefaultStorageClass() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  const StoredObject* Find(TypeId type, const std::string& ns, const std::string& name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool NamespaceExists(const std::string& name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool NamespaceTerminating(const std::string& name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Stores `object` (complete but for metadata.resourceVersion, which is
  // assigned here) as a new version: ADDED when absent, MODIFIED otherwise.
  StoredObject CommitPut(TypeId type, Json object, std::shared_ptr<const CrdDefinition> crd = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Removes the object; its DELETED event carries its last state at a new
  // resourceVersion.
  StoredObject CommitDelete(const ObjectKey& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Empties the cluster (objects, history) but keeps counting versions.
  void ResetObjects() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Namespaces default/kube-system/kube-public/kube-node-lease and the
  // default StorageClass, as kube-apiserver and a cluster installer create them.
  void Bootstrap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  size_t ApproximateBytes() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

}  // namespace srfleet::kubesim
