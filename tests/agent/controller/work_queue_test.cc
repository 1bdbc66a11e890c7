// WorkQueue: de-duplication, the dirty/processing rule, delays, backoff,
// the overall bucket and shutdown. Timing checks are lower bounds only (a
// slow machine can make things late, never early); "eventually" waits are
// generous upper bounds that only a hang would exceed.
#include "agent/controller/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace srfleet::agent {
namespace {

bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return done();
}

TEST(WorkQueueTest, AddDeDuplicatesQueuedKeys) {
  WorkQueue q;
  q.Add("ns/a");
  q.Add("ns/a");
  q.Add("ns/b");
  q.Add("ns/a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "ns/a");  // FIFO
  EXPECT_EQ(q.Get(), "ns/b");
  EXPECT_EQ(q.Len(), 0u);
  q.Done("ns/a");
  q.Done("ns/b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, ReAddWhileProcessingRunsOnceMoreAfterDone) {
  WorkQueue q;
  q.Add("k");
  ASSERT_EQ(q.Get(), "k");
  // Held by a worker: marked dirty, not queued (no second worker gets it).
  q.Add("k");
  q.Add("k");
  EXPECT_EQ(q.Len(), 0u);
  q.Done("k");
  EXPECT_EQ(q.Len(), 1u);  // exactly once more, however often it was re-added
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, DoneWithoutReAddDoesNotRequeue) {
  WorkQueue q;
  q.Add("k");
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  EXPECT_EQ(q.Len(), 0u);
  q.Add("k");  // and the key is accepted again afterwards
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueueTest, AKeyIsNeverProcessedByTwoWorkersAtOnce) {
  WorkQueue q;
  constexpr int kKeys = 5;
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (std::optional<std::string> key = q.Get()) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!in_flight.insert(*key).second) ++overlaps;
        }
        absl::SleepFor(absl::Microseconds(200));
        {
          std::lock_guard<std::mutex> lock(mu);
          in_flight.erase(*key);
        }
        ++processed;
        q.Done(*key);
      }
    });
  }
  // Producers keep re-adding the same few keys while they are processed.
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        q.Add(absl::StrCat("ns/k", i % kKeys));
        if (i % 50 == 0) absl::SleepFor(absl::Microseconds(300));  // let workers interleave
      }
    });
  }
  for (std::thread& t : producers) t.join();
  ASSERT_TRUE(Eventually([&] { return q.Len() == 0; }));
  q.ShutDown();
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), kKeys);
}

TEST(WorkQueueTest, AddAfterWaitsAtLeastTheDelay) {
  WorkQueue q;
  const absl::Time start = absl::Now();
  q.AddAfter("late", absl::Milliseconds(150));
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.NumWaiting(), 1u);
  std::optional<std::string> key = q.Get();  // blocks until due
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  EXPECT_EQ(key, "late");
  EXPECT_EQ(q.NumWaiting(), 0u);
  q.Done("late");
}

TEST(WorkQueueTest, AddAfterWithoutDelayAddsAtOnce) {
  WorkQueue q;
  q.AddAfter("now", absl::ZeroDuration());
  q.AddAfter("before", absl::Milliseconds(-5));
  EXPECT_EQ(q.Len(), 2u);
}

TEST(WorkQueueTest, TheEarliestDeadlineForAKeyWins) {
  WorkQueue q;
  q.AddAfter("k", absl::Seconds(600));
  q.AddAfter("k", absl::Milliseconds(20));  // earlier: replaces the first
  q.AddAfter("k", absl::Seconds(300));      // later than what is pending: ignored
  EXPECT_EQ(q.NumWaiting(), 1u);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));
  EXPECT_EQ(q.NumWaiting(), 0u);
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  // The superseded 600 s / 300 s heap entries must not add it again.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, DelayedKeysComeOutInDeadlineOrder) {
  WorkQueue q;
  q.AddAfter("third", absl::Milliseconds(90));
  q.AddAfter("first", absl::Milliseconds(10));
  q.AddAfter("second", absl::Milliseconds(50));
  EXPECT_EQ(q.Get(), "first");
  EXPECT_EQ(q.Get(), "second");
  EXPECT_EQ(q.Get(), "third");
}

TEST(WorkQueueTest, ItemBackoffDoublesUpToTheCap) {
  WorkQueueOptions o;
  o.base_delay = absl::Milliseconds(5);
  o.max_delay = absl::Seconds(1);
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 0), absl::Milliseconds(5));
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 1), absl::Milliseconds(10));
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 2), absl::Milliseconds(20));
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 7), absl::Milliseconds(640));
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 8), absl::Seconds(1));  // 1280 ms capped
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 64), absl::Seconds(1));  // no overflow
  EXPECT_EQ(WorkQueue::ItemBackoff(o, 100000), absl::Seconds(1));
}

TEST(WorkQueueTest, AddRateLimitedCountsRequeuesUntilForget) {
  WorkQueueOptions o;
  o.base_delay = absl::Milliseconds(1);
  o.qps = 1000;
  WorkQueue q(o);
  EXPECT_EQ(q.NumRequeues("k"), 0);
  for (int i = 0; i < 3; ++i) q.AddRateLimited("k");
  EXPECT_EQ(q.NumRequeues("k"), 3);
  EXPECT_EQ(q.NumRequeues("other"), 0);
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  ASSERT_TRUE(Eventually([&] { return q.Len() == 1; }));  // de-duplicated
}

TEST(WorkQueueTest, BackoffGrowsPerKeyAndForgetResetsIt) {
  WorkQueueOptions o;
  o.base_delay = absl::Milliseconds(40);
  o.qps = 1000;
  WorkQueue q(o);
  // Each failure waits at least base * 2^n: 40, 80, 160 ms.
  for (int n = 0; n < 3; ++n) {
    const absl::Time start = absl::Now();
    q.AddRateLimited("k");
    ASSERT_EQ(q.Get(), "k");
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(40) * (1 << n)) << "failure " << n;
    q.Done("k");
  }
  // Another key has its own count.
  EXPECT_EQ(q.NumRequeues("other"), 0);
  q.Forget("k");
  const absl::Time start = absl::Now();
  q.AddRateLimited("k");
  ASSERT_EQ(q.Get(), "k");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
  EXPECT_EQ(q.NumRequeues("k"), 1);
}

TEST(WorkQueueTest, TheOverallBucketLimitsRateLimitedAdds) {
  WorkQueueOptions o;
  o.base_delay = absl::Milliseconds(1);
  o.qps = 2;
  o.burst = 1;
  WorkQueue q(o);
  const absl::Time start = absl::Now();
  q.AddRateLimited("a");  // the burst token
  q.AddRateLimited("b");  // a fresh key (1 ms backoff) still waits for a token: 0.5 s
  ASSERT_EQ(q.Get(), "a");
  ASSERT_EQ(q.Get(), "b");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450));
}

TEST(WorkQueueTest, ShutDownWakesEveryGet) {
  WorkQueue q;
  std::atomic<int> woken{0};
  std::vector<std::thread> getters;
  for (int i = 0; i < 3; ++i) {
    getters.emplace_back([&] {
      EXPECT_EQ(q.Get(), std::nullopt);
      ++woken;
    });
  }
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE(q.ShuttingDown());
  q.ShutDown();
  for (std::thread& t : getters) t.join();
  EXPECT_EQ(woken.load(), 3);
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(WorkQueueTest, NothingIsHandedOutOrAddedAfterShutDown) {
  WorkQueue q;
  q.Add("queued");
  q.AddAfter("waiting", absl::Seconds(600));
  q.ShutDown();
  EXPECT_EQ(q.Get(), std::nullopt);
  q.Add("late");
  q.AddRateLimited("late");
  EXPECT_EQ(q.Get(), std::nullopt);
  // A key being processed at shutdown can still be marked Done.
  q.Done("queued");
}

TEST(WorkQueueTest, DestructionDoesNotWaitForPendingDelays) {
  const absl::Time start = absl::Now();
  {
    WorkQueue q;
    q.AddAfter("k", absl::Seconds(1000));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));  // only a hang would fail this
}

}  // namespace
}  // namespace srfleet::agent
