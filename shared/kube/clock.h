// Time as the client sees it: injectable so that rate limiting, retries and
// backoff are testable without sleeping.
#pragma once

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace srfleet::kube {

class CancelToken;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Sleeps for `d` (no-op when <= 0). Returns false when `cancel` fired
  // before the time was up.
  virtual bool SleepFor(absl::Duration d, const CancelToken* cancel) = 0;

  // The process-wide wall clock (absl::Now / real sleeps).
  static Clock& Real();
};

// A manual clock for tests: SleepFor advances time instantly and records
// every requested sleep.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(24 * 365 * 50));
  absl::Time Now() const override;
  bool SleepFor(absl::Duration d, const CancelToken* cancel) override;
  void Advance(absl::Duration d);
  std::vector<absl::Duration> sleeps() const;

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::kube
