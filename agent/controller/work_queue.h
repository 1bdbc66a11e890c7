// A rate-limited, de-duplicating work queue keyed by "namespace/name", with
// client-go's semantics: a key is processed by at most one worker at a time;
// re-adding a key while it is processed marks it dirty so it runs again once;
// AddRateLimited applies per-key exponential backoff (reset by Forget) and an
// overall token bucket.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace srfleet::agent {

struct WorkQueueOptions {
  absl::Duration base_delay = absl::Milliseconds(5);
  absl::Duration max_delay = absl::Seconds(1000);
  double qps = 10;  // overall bucket for rate-limited adds
  int burst = 100;
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, absl::Duration delay);
  void AddRateLimited(const std::string& key);  // after the key's backoff
  void Forget(const std::string& key);          // resets the key's backoff
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt). Unlike
  // client-go, keys still queued at shutdown are not handed out.
  std::optional<std::string> Get();
  // Must be called when the worker finished the key Get returned.
  void Done(const std::string& key);

  void ShutDown();  // wakes every Get
  bool ShuttingDown() const;
  size_t Len() const;  // keys ready to be processed (the depth metric)
  size_t NumWaiting() const;  // keys scheduled by AddAfter/AddRateLimited, not yet due

  // The per-key backoff after `failures` earlier failures: base * 2^failures,
  // capped at max (the bucket's share comes on top in AddRateLimited).
  static absl::Duration ItemBackoff(const WorkQueueOptions& options, int failures);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
