#include "shared/kube/clock.h"

#include "shared/kube/cancel.h"

namespace srfleet::kube {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  bool SleepFor(absl::Duration d, const CancelToken* cancel) override {
    if (cancel == nullptr) {
      if (d > absl::ZeroDuration()) absl::SleepFor(d);
      return true;
    }
    if (d <= absl::ZeroDuration()) return !cancel->cancelled();
    return !cancel->WaitFor(d);
  }
};

}  // namespace

Clock& Clock::Real() {
  static RealClock clock;  // stateless, so safe to use from any thread until exit
  return clock;
}

FakeClock::FakeClock(absl::Time start) : now_(start) {}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

bool FakeClock::SleepFor(absl::Duration d, const CancelToken* cancel) {
  if (cancel != nullptr && cancel->cancelled()) return false;
  absl::MutexLock lock(&mu_);
  sleeps_.push_back(d);
  if (d > absl::ZeroDuration()) now_ += d;
  return true;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

std::vector<absl::Duration> FakeClock::sleeps() const {
  absl::MutexLock lock(&mu_);
  return sleeps_;
}

}  // namespace srfleet::kube
