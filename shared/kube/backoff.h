// Jittered exponential backoff, shared by request retries and the
// ListWatcher's reconnect loop. The random source is injectable for tests.
#pragma once

#include <functional>

#include "absl/time/time.h"

namespace srfleet::kube {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(30);
  double multiplier = 2.0;
  // Each delay is drawn uniformly from [(1 - jitter) * base, base], where base
  // grows from `initial` by `multiplier` up to `max`. Drawing below the base
  // (never above) keeps `max` a hard ceiling while still spreading the
  // retries of many clients that failed at the same moment.
  double jitter = 0.5;
};

class Backoff {
 public:
  // Returns a value in [0, 1). Defaults to a per-instance absl::BitGen.
  using Uniform01 = std::function<double()>;

  explicit Backoff(BackoffPolicy policy = {}, Uniform01 uniform01 = nullptr);

  // The delay before the next attempt; grows the base for the one after.
  absl::Duration Next();
  // Back to `initial` (after a success).
  void Reset();
  int attempts() const { return attempts_; }
  const BackoffPolicy& policy() const { return policy_; }

  // Base delay for the n-th attempt (0-based), without jitter.
  static absl::Duration BaseDelay(const BackoffPolicy& policy, int attempt);
  // `base` scaled into [(1 - jitter) * base, base] by u in [0, 1).
  static absl::Duration Jittered(absl::Duration base, double jitter, double u);

 private:
  BackoffPolicy policy_;
  Uniform01 uniform01_;
  int attempts_ = 0;
};

}  // namespace srfleet::kube
