#include "shared/kube/backoff.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/random/random.h"

namespace srfleet::kube {

Backoff::Backoff(BackoffPolicy policy, Uniform01 uniform01)
    : policy_(policy), uniform01_(std::move(uniform01)) {
  if (!uniform01_) {
    // One generator per Backoff: a Backoff belongs to a single retry loop.
    auto gen = std::make_shared<absl::BitGen>();
    uniform01_ = [gen] { return absl::Uniform<double>(*gen, 0.0, 1.0); };
  }
}

absl::Duration Backoff::BaseDelay(const BackoffPolicy& policy, int attempt) {
  absl::Duration base = policy.initial;
  for (int i = 0; i < attempt && base < policy.max; ++i) base = base * policy.multiplier;
  return std::min(base, policy.max);
}

absl::Duration Backoff::Jittered(absl::Duration base, double jitter, double u) {
  jitter = std::clamp(jitter, 0.0, 1.0);
  u = std::clamp(u, 0.0, 1.0);
  return base * (1.0 - jitter + jitter * u);
}

absl::Duration Backoff::Next() {
  const absl::Duration base = BaseDelay(policy_, attempts_);
  ++attempts_;
  return Jittered(base, policy_.jitter, uniform01_());
}

void Backoff::Reset() { attempts_ = 0; }

}  // namespace srfleet::kube
