#include "agent/controller/work_queue.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "shared/kube/rate_limiter.h"

namespace srfleet::agent {
namespace {

// A key waiting in the delay heap. `seq` keeps the heap order total (and
// FIFO among equal deadlines).
struct Waiting {
  absl::Time ready_at;
  uint64_t seq;
  std::string key;
  bool operator>(const Waiting& other) const {
    return ready_at != other.ready_at ? ready_at > other.ready_at : seq > other.seq;
  }
};

}  // namespace

struct WorkQueue::State {
  explicit State(WorkQueueOptions o) : options(o), bucket(o.qps, o.burst) {}

  // --- the de-duplicating FIFO (client-go's Type) ---
  // Adds `key` unless it is already queued; while a worker holds it, it is
  // only marked dirty and Done() queues it again.
  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (shutting_down || dirty.contains(key)) return;
    dirty.insert(key);
    if (processing.contains(key)) return;
    queue.push_back(key);
    ready_cv.Signal();
  }

  // --- the delay heap (client-go's delaying queue) ---
  // One heap entry per AddAfter; `waiting` holds each key's earliest
  // deadline, so later entries for the same key are stale and skipped: a key
  // is added once, at the earliest time anyone asked for.
  void AddAfterLocked(const std::string& key, absl::Duration delay) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (shutting_down) return;
    if (delay <= absl::ZeroDuration()) {
      AddLocked(key);
      return;
    }
    const absl::Time ready_at = absl::Now() + delay;
    auto [it, inserted] = waiting.try_emplace(key, ready_at);
    if (!inserted) {
      if (it->second <= ready_at) return;  // already due earlier
      it->second = ready_at;
    }
    const bool new_earliest = heap.empty() || ready_at < heap.top().ready_at;
    heap.push(Waiting{ready_at, next_seq++, key});
    // Only an earlier deadline changes what the timer thread waits for.
    if (new_earliest) timer_cv.Signal();
  }

  // The timer thread: sleeps until the earliest deadline (or a new, earlier
  // one, or shutdown), then moves due keys to the queue. No polling.
  void TimerLoop() {
    absl::MutexLock lock(&mu);
    while (!shutting_down) {
      if (heap.empty()) {
        timer_cv.Wait(&mu);
        continue;
      }
      const absl::Time now = absl::Now();
      if (heap.top().ready_at > now) {
        timer_cv.WaitWithDeadline(&mu, heap.top().ready_at);
        continue;
      }
      Waiting due = heap.top();
      heap.pop();
      auto it = waiting.find(due.key);
      if (it == waiting.end() || it->second != due.ready_at) continue;  // superseded entry
      waiting.erase(it);
      AddLocked(due.key);
    }
  }

  absl::Duration BackoffLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return ItemBackoff(options, failures[key]++);
  }

  const WorkQueueOptions options;
  // Overall bucket for rate-limited adds; has its own lock.
  kube::RateLimiter bucket;

  mutable absl::Mutex mu;
  absl::CondVar ready_cv;  // Get waits for a queued key or shutdown
  absl::CondVar timer_cv;  // the timer waits for a new earliest deadline
  bool shutting_down ABSL_GUARDED_BY(mu) = false;
  std::deque<std::string> queue ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<std::string> dirty ABSL_GUARDED_BY(mu);       // needs processing
  absl::flat_hash_set<std::string> processing ABSL_GUARDED_BY(mu);  // held by a worker
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<Waiting>> heap ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, absl::Time> waiting ABSL_GUARDED_BY(mu);
  uint64_t next_seq ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<std::string, int> failures ABSL_GUARDED_BY(mu);

  std::thread timer;  // started last, joined by ~WorkQueue
};

WorkQueue::WorkQueue(WorkQueueOptions options) : state_(std::make_unique<State>(options)) {
  state_->timer = std::thread([s = state_.get()] { s->TimerLoop(); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (state_->timer.joinable()) state_->timer.join();
}

void WorkQueue::Add(const std::string& key) {
  absl::MutexLock lock(&state_->mu);
  state_->AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  absl::MutexLock lock(&state_->mu);
  state_->AddAfterLocked(key, delay);
}

void WorkQueue::AddRateLimited(const std::string& key) {
  // The bucket's reservation is taken outside our lock (it has its own) and
  // on credit, so a burst of failures spreads out instead of piling up.
  const absl::Duration bucket_delay = state_->bucket.Reserve();
  absl::MutexLock lock(&state_->mu);
  const absl::Duration delay = std::max(state_->BackoffLocked(key), bucket_delay);
  state_->AddAfterLocked(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  absl::MutexLock lock(&state_->mu);
  state_->failures.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  absl::MutexLock lock(&state_->mu);
  auto it = state_->failures.find(key);
  return it == state_->failures.end() ? 0 : it->second;
}

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&state_->mu);
  while (state_->queue.empty() && !state_->shutting_down) state_->ready_cv.Wait(&state_->mu);
  // Unlike client-go, a shut-down queue hands out nothing more: the agent
  // shuts the queue down when it stops leading, and must then stop writing.
  if (state_->shutting_down) return std::nullopt;
  std::string key = std::move(state_->queue.front());
  state_->queue.pop_front();
  state_->processing.insert(key);
  state_->dirty.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  absl::MutexLock lock(&state_->mu);
  state_->processing.erase(key);
  // Re-added while it was processed: run it once more.
  if (state_->dirty.contains(key) && !state_->shutting_down) {
    state_->queue.push_back(key);
    state_->ready_cv.Signal();
  }
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&state_->mu);
  state_->shutting_down = true;
  state_->ready_cv.SignalAll();
  state_->timer_cv.SignalAll();
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&state_->mu);
  return state_->shutting_down;
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&state_->mu);
  return state_->queue.size();
}

size_t WorkQueue::NumWaiting() const {
  absl::MutexLock lock(&state_->mu);
  return state_->waiting.size();
}

absl::Duration WorkQueue::ItemBackoff(const WorkQueueOptions& options, int failures) {
  // Computed in floating point: 2^n overflows integers long before the cap
  // matters; past 2^1000 the double itself would overflow, so stop early.
  if (failures < 0) failures = 0;
  if (failures > 1000) return options.max_delay;
  const double seconds = absl::ToDoubleSeconds(options.base_delay) * std::ldexp(1.0, failures);
  if (seconds >= absl::ToDoubleSeconds(options.max_delay)) return options.max_delay;
  return absl::Seconds(seconds);
}

}  // namespace srfleet::agent
