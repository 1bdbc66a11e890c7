#include "agent/controller/controller.h"

#include <atomic>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace srfleet::agent {

struct Controller::State {
  State(std::string n, Reconciler& r, WorkQueue& q, int w)
      : name(std::move(n)), reconciler(r), queue(q), workers(w < 1 ? 1 : w) {}

  // A reconciler that throws is treated as one that failed: the key is
  // retried with backoff and the worker lives on.
  absl::StatusOr<ReconcileResult> SafeReconcile(const std::string& key) {
    try {
      return reconciler.Reconcile(key);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("reconcile ", key, " threw: ", e.what()));
    } catch (...) {
      return absl::InternalError(absl::StrCat("reconcile ", key, " threw"));
    }
  }

  void Work() {
    while (std::optional<std::string> key = queue.Get()) {
      const absl::Time start = absl::Now();
      absl::StatusOr<ReconcileResult> result = SafeReconcile(*key);
      std::string_view outcome;
      if (!result.ok()) {
        errors.fetch_add(1, std::memory_order_relaxed);
        queue.AddRateLimited(*key);  // per-key backoff grows until a success
        outcome = "error";
      } else if (result->requeue_after > absl::ZeroDuration()) {
        // A timed requeue is not a failure: the backoff starts over.
        queue.Forget(*key);
        queue.AddAfter(*key, result->requeue_after);
        outcome = "requeue_after";
      } else {
        queue.Forget(*key);
        outcome = "success";
      }
      reconciles.fetch_add(1, std::memory_order_relaxed);
      if (observer != nullptr) observer->OnReconcile(name, outcome, absl::Now() - start);
      queue.Done(*key);
    }
  }

  const std::string name;
  Reconciler& reconciler;
  WorkQueue& queue;
  const int workers;
  ReconcileObserver* observer = nullptr;  // set before Start()
  std::atomic<int64_t> reconciles{0};
  std::atomic<int64_t> errors{0};

  absl::Mutex mu;  // Start/Stop from different threads
  bool started ABSL_GUARDED_BY(mu) = false;
  std::vector<std::thread> threads ABSL_GUARDED_BY(mu);
};

Controller::Controller(std::string name, Reconciler& reconciler, WorkQueue& queue, int workers)
    : state_(std::make_unique<State>(std::move(name), reconciler, queue, workers)) {}

Controller::~Controller() { Stop(); }

void Controller::SetObserver(ReconcileObserver* observer) { state_->observer = observer; }

void Controller::Start() {
  absl::MutexLock lock(&state_->mu);
  if (state_->started) return;
  state_->started = true;
  for (int i = 0; i < state_->workers; ++i) state_->threads.emplace_back([s = state_.get()] { s->Work(); });
}

void Controller::Stop() {
  state_->queue.ShutDown();  // every Get returns nullopt; running reconciles finish
  absl::MutexLock lock(&state_->mu);
  for (std::thread& t : state_->threads) {
    if (t.joinable()) t.join();
  }
  state_->threads.clear();
}

ControllerStats Controller::stats() const {
  return ControllerStats{state_->reconciles.load(std::memory_order_relaxed),
                         state_->errors.load(std::memory_order_relaxed)};
}

const std::string& Controller::name() const { return state_->name; }

}  // namespace srfleet::agent
