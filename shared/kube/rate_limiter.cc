#include "shared/kube/rate_limiter.h"

#include <algorithm>

namespace srfleet::kube {

RateLimiter::RateLimiter(double qps, int burst, Clock* clock)
    : qps_(qps),
      burst_(std::max(burst, 1)),
      clock_(clock != nullptr ? clock : &Clock::Real()),
      tokens_(static_cast<double>(burst_)),
      last_(clock_->Now()) {}

void RateLimiter::RefillLocked(absl::Time now) {
  if (now > last_) {
    tokens_ = std::min(static_cast<double>(burst_),
                       tokens_ + absl::ToDoubleSeconds(now - last_) * qps_);
    last_ = now;
  }
}

absl::Duration RateLimiter::Reserve() {
  if (qps_ <= 0) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  RefillLocked(clock_->Now());
  tokens_ -= 1.0;
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / qps_);
}

bool RateLimiter::Wait(const CancelToken* cancel) {
  const absl::Duration wait = Reserve();
  if (wait <= absl::ZeroDuration()) return true;
  return clock_->SleepFor(wait, cancel);
}

bool RateLimiter::TryAcquire() {
  if (qps_ <= 0) return true;
  absl::MutexLock lock(&mu_);
  RefillLocked(clock_->Now());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace srfleet::kube
