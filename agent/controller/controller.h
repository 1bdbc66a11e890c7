// Runs a Reconciler over a WorkQueue with N workers, controller-runtime style:
// a key's reconcile error requeues it with backoff; a requested requeue_after
// schedules it again; success forgets its backoff.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/controller/object_cache.h"
#include "agent/controller/work_queue.h"
#include "shared/json/json.h"

namespace srfleet::agent {

struct ReconcileResult {
  absl::Duration requeue_after = absl::ZeroDuration();  // 0: no timed requeue
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // `key` is "namespace/name". Reads caches, writes through the client.
  virtual absl::StatusOr<ReconcileResult> Reconcile(const std::string& key) = 0;
};

struct ControllerStats {
  int64_t reconciles = 0;
  int64_t errors = 0;
};

// Told about every finished reconcile (metrics). Called on worker threads;
// implementations must be thread-safe and quick.
class ReconcileObserver {
 public:
  virtual ~ReconcileObserver() = default;
  // `result`: "success", "error" or "requeue_after".
  virtual void OnReconcile(std::string_view controller, std::string_view result, absl::Duration duration) = 0;
};

class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, WorkQueue& queue, int workers);
  ~Controller();  // stops
  // Before Start(); may be null. Not owned.
  void SetObserver(ReconcileObserver* observer);
  void Start();  // once; a stopped controller stays stopped
  void Stop();  // shuts the queue down and joins the workers
  ControllerStats stats() const;
  const std::string& name() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// --- work-queue keys -----------------------------------------------------------

// "namespace/name", or "name" for a cluster-scoped object (client-go's
// MetaNamespaceKeyFunc). "" when the object has no name.
std::string ObjectKeyOf(const Json& object);
// The inverse: {"", key} when the key has no '/'.
std::pair<std::string, std::string> SplitObjectKey(const std::string& key);

// --- event handler factories -----------------------------------------------------

// For the primary resource: every add/update/delete enqueues the object's own key.
ResourceEventHandlers EnqueueSelf(WorkQueue& queue);

// For owned objects: enqueues the owner named by the object's *controller*
// ownerReference (controller: true) when its kind is `owner_kind` and its
// apiVersion's group is `owner_api_group` ("" for the core group). The
// owner's key uses the owned object's namespace (owners are in the same
// namespace, or cluster-scoped for cluster-scoped objects). On update both
// the old and the new owner are enqueued (an ownerReference can move).
ResourceEventHandlers EnqueueOwnerOf(WorkQueue& queue, const std::string& owner_kind,
                                     const std::string& owner_api_group);

// For objects other resources refer to (a Service a backend names): `map`
// returns the keys to enqueue for one object; on update, for old and new.
ResourceEventHandlers EnqueueMapped(WorkQueue& queue, std::function<std::vector<std::string>(const Json& object)> map);

}  // namespace srfleet::agent
