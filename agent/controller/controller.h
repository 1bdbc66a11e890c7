// Runs a Reconciler over a WorkQueue with N workers, controller-runtime style:
// a key's reconcile error requeues it with backoff; a requested requeue_after
// schedules it again; success forgets its backoff.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/controller/work_queue.h"

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

class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, WorkQueue& queue, int workers);
  ~Controller();  // stops
  void Start();
  void Stop();  // shuts the queue down and joins the workers
  ControllerStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
