// Backoff jitter bounds and growth, the token bucket on a fake clock, and
// cancellation tokens.
#include <gtest/gtest.h>

#include <thread>

#include "shared/kube/backoff.h"
#include "shared/kube/cancel.h"
#include "shared/kube/clock.h"
#include "shared/kube/rate_limiter.h"

namespace srfleet::kube {
namespace {

TEST(BackoffTest, BaseGrowsGeometricallyUpToTheCap) {
  BackoffPolicy p{absl::Milliseconds(100), absl::Seconds(2), 2.0, 0.0};
  Backoff b(p, [] { return 0.5; });
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
  EXPECT_EQ(b.Next(), absl::Milliseconds(200));
  EXPECT_EQ(b.Next(), absl::Milliseconds(400));
  EXPECT_EQ(b.Next(), absl::Milliseconds(800));
  EXPECT_EQ(b.Next(), absl::Milliseconds(1600));
  EXPECT_EQ(b.Next(), absl::Seconds(2));
  EXPECT_EQ(b.Next(), absl::Seconds(2));
  EXPECT_EQ(b.attempts(), 7);
  b.Reset();
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, JitterStaysWithinBounds) {
  const BackoffPolicy p{absl::Milliseconds(100), absl::Seconds(10), 2.0, 0.5};
  // The extremes of the random source map to the ends of the interval.
  EXPECT_EQ(Backoff::Jittered(absl::Seconds(1), 0.5, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(Backoff::Jittered(absl::Seconds(1), 0.5, 1.0), absl::Seconds(1));
  EXPECT_EQ(Backoff::Jittered(absl::Seconds(1), 0.0, 0.3), absl::Seconds(1));
  // With the real generator, every draw lies in [(1-j)*base, base].
  Backoff b(p);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const absl::Duration base = Backoff::BaseDelay(p, attempt);
    const absl::Duration d = b.Next();
    EXPECT_GE(d, base * 0.5) << attempt;
    EXPECT_LE(d, base) << attempt;
    EXPECT_LE(d, p.max);
  }
}

TEST(BackoffTest, DrawsAreSpread) {
  Backoff b({absl::Seconds(1), absl::Seconds(1), 2.0, 0.5});
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 0; i < 500; ++i) {
    const absl::Duration d = b.Next();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, absl::Milliseconds(600));
  EXPECT_GT(hi, absl::Milliseconds(900));
}

TEST(RateLimiterTest, BurstThenSteadyRate) {
  FakeClock clock;
  RateLimiter limiter(10, 3, &clock);  // 10 qps, burst 3
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  // Burst spent: callers queue 100 ms apart.
  EXPECT_EQ(limiter.Reserve(), absl::Milliseconds(100));
  EXPECT_EQ(limiter.Reserve(), absl::Milliseconds(200));
  clock.Advance(absl::Milliseconds(200));
  EXPECT_EQ(limiter.Reserve(), absl::Milliseconds(100));
  // A long pause refills to the burst, never more.
  clock.Advance(absl::Seconds(60));
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(limiter.TryAcquire());
}

TEST(RateLimiterTest, WaitSleepsOnTheClock) {
  FakeClock clock;
  RateLimiter limiter(2, 1, &clock);
  EXPECT_TRUE(limiter.Wait());
  EXPECT_TRUE(limiter.Wait());
  EXPECT_TRUE(limiter.Wait());
  ASSERT_EQ(clock.sleeps().size(), 2u);
  EXPECT_EQ(clock.sleeps()[0], absl::Milliseconds(500));
  EXPECT_EQ(clock.sleeps()[1], absl::Milliseconds(500));
}

TEST(RateLimiterTest, NonPositiveQpsDisablesLimiting) {
  FakeClock clock;
  RateLimiter limiter(0, 1, &clock);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
}

TEST(RateLimiterTest, OneHundredRequestsAtFiftyQpsTakeAboutOneSecondAfterTheBurst) {
  FakeClock clock;
  RateLimiter limiter(50, 50, &clock);
  absl::Duration last;
  for (int i = 0; i < 100; ++i) last = limiter.Reserve();
  EXPECT_EQ(last, absl::Seconds(1));
}

TEST(CancelTokenTest, WaitForReturnsEarlyOnCancel) {
  CancelToken token;
  EXPECT_FALSE(token.WaitFor(absl::Milliseconds(10)));
  std::thread t([&] {
    absl::SleepFor(absl::Milliseconds(50));
    token.Cancel();
  });
  const absl::Time start = absl::Now();
  EXPECT_TRUE(token.WaitFor(absl::Seconds(30)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  t.join();
  EXPECT_TRUE(token.cancelled());
}

TEST(CancelTokenTest, CallbacksRunOnceAndUnregister) {
  CancelToken token;
  int fired = 0, unregistered = 0;
  CancelToken::Registration keep = token.OnCancel([&] { ++fired; });
  { CancelToken::Registration gone = token.OnCancel([&] { ++unregistered; }); }
  token.Cancel();
  token.Cancel();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(unregistered, 0);
  // Registering after the fact runs at once.
  CancelToken::Registration late = token.OnCancel([&] { ++fired; });
  EXPECT_EQ(fired, 2);
}

TEST(FakeClockTest, SleepAdvancesAndHonoursCancel) {
  FakeClock clock;
  const absl::Time t0 = clock.Now();
  EXPECT_TRUE(clock.SleepFor(absl::Seconds(3), nullptr));
  EXPECT_EQ(clock.Now() - t0, absl::Seconds(3));
  CancelToken token;
  token.Cancel();
  EXPECT_FALSE(clock.SleepFor(absl::Seconds(3), &token));
  EXPECT_FALSE(Clock::Real().SleepFor(absl::Seconds(30), &token));
}

}  // namespace
}  // namespace srfleet::kube
