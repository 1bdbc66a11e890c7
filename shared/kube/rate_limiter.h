// Client-side token bucket (qps, burst), like client-go's default limiter:
// protects the API server from a burst of reconciles.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared/kube/clock.h"

namespace srfleet::kube {

class CancelToken;

class RateLimiter {
 public:
  // qps <= 0 disables limiting. The bucket starts full (`burst` tokens).
  RateLimiter(double qps, int burst, Clock* clock = nullptr);

  // Takes one token, possibly on credit, and returns how long the caller must
  // wait before using it (zero when one was available). Taking on credit
  // queues concurrent callers in arrival order instead of letting them race.
  absl::Duration Reserve();
  // Reserve() and sleep. Returns false when cancelled while waiting.
  bool Wait(const CancelToken* cancel = nullptr);
  // Takes a token only when one is available now.
  bool TryAcquire();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void RefillLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double qps_;
  const int burst_;
  Clock* const clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::kube
