// Leader election against kubesim: the lease protocol step by step with fake
// clocks, then real electors with short durations: exclusivity (checked on
// every transition), hand-over on release, failover after expiry when the
// leader stops renewing, and a leader cut off from the API server stepping
// down before anyone else takes over.
#include "agent/ops/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/agent/kubesim_env.h"

namespace srfleet::agent {
namespace {

using testing::Eventually;
using testing::KubesimEnv;

const kube::ResourceRef kLease = kube::ResourceRef::Grouped("coordination.k8s.io", "v1", "leases", "default", "agent");

// Every elector reports its transitions here; two leaders at once is a
// violation, whenever it happens.
struct Arbiter {
  std::mutex mu;
  int leaders = 0;
  int violations = 0;
  std::string current;
  std::vector<std::string> history;  // "+a", "-a", ...
  std::map<std::string, absl::Time> started, stopped;

  void Started(const std::string& who) {
    std::lock_guard<std::mutex> lock(mu);
    if (++leaders > 1) ++violations;
    current = who;
    history.push_back("+" + who);
    started[who] = absl::Now();
  }
  void Stopped(const std::string& who) {
    std::lock_guard<std::mutex> lock(mu);
    --leaders;
    if (current == who) current.clear();
    history.push_back("-" + who);
    stopped[who] = absl::Now();
  }
  std::string Current() {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  }
  int Violations() {
    std::lock_guard<std::mutex> lock(mu);
    return violations;
  }
};

// Short durations: lease 2 s (leaseDurationSeconds is whole seconds),
// renew deadline 1 s, retry 100 ms.
LeaderElectionConfig Short(const std::string& identity, Arbiter* arbiter) {
  LeaderElectionConfig c;
  c.lease_name = "agent";
  c.lease_namespace = "default";
  c.identity = identity;
  c.lease_duration = absl::Seconds(2);
  c.renew_deadline = absl::Seconds(1);
  c.retry_period = absl::Milliseconds(100);
  if (arbiter != nullptr) {
    c.on_started_leading = [arbiter, identity] { arbiter->Started(identity); };
    c.on_stopped_leading = [arbiter, identity] { arbiter->Stopped(identity); };
  }
  return c;
}

std::unique_ptr<LeaderElector> NewElector(const kube::RestConfig& rest, LeaderElectionConfig config) {
  absl::StatusOr<std::unique_ptr<LeaderElector>> elector = LeaderElector::New(rest, std::move(config));
  EXPECT_TRUE(elector.ok()) << elector.status();
  return elector.ok() ? *std::move(elector) : nullptr;
}

// One round's verdict; an error fails the test.
bool Held(const absl::StatusOr<bool>& round) {
  EXPECT_TRUE(round.ok()) << round.status();
  return round.ok() && *round;
}

Json LeaseSpec(kube::KubeClient& client) {
  absl::StatusOr<Json> lease = client.Get(kLease);
  EXPECT_TRUE(lease.ok()) << lease.status();
  return lease.ok() ? (*lease)["spec"] : Json();
}

TEST(LeaderElectionConfigTest, DurationsMustNest) {
  kube::RestConfig rest;
  rest.server = "https://127.0.0.1:1";
  LeaderElectionConfig c = Short("x", nullptr);
  c.renew_deadline = c.lease_duration;
  EXPECT_EQ(LeaderElector::New(rest, c).status().code(), absl::StatusCode::kInvalidArgument);
  c = Short("x", nullptr);
  c.retry_period = c.renew_deadline;
  EXPECT_EQ(LeaderElector::New(rest, c).status().code(), absl::StatusCode::kInvalidArgument);
  c = Short("x", nullptr);
  c.lease_name.clear();
  EXPECT_EQ(LeaderElector::New(rest, c).status().code(), absl::StatusCode::kInvalidArgument);
  c = Short("", nullptr);
  absl::StatusOr<std::unique_ptr<LeaderElector>> defaulted = LeaderElector::New(rest, c);
  ASSERT_TRUE(defaulted.ok()) << defaulted.status();
  EXPECT_EQ((*defaulted)->identity(), DefaultLeaderIdentity());
  EXPECT_NE(DefaultLeaderIdentity().find('_'), std::string::npos);
}

TEST(LeaderElectionTest, LeaseProtocolWithFakeClocks) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  auto reader = env.NewClient();
  kube::FakeClock clock_a, clock_b;
  LeaderElectionConfig ca = Short("a", nullptr);
  ca.lease_duration = absl::Seconds(15);
  ca.renew_deadline = absl::Seconds(10);
  ca.retry_period = absl::Seconds(2);
  LeaderElectionConfig cb = ca;
  ca.clock = &clock_a;
  cb.identity = "b";
  cb.clock = &clock_b;
  std::vector<std::string> b_saw;
  cb.on_new_leader = [&](const std::string& holder) { b_saw.push_back(holder); };
  auto a = NewElector(env.config(), ca);
  auto b = NewElector(env.config(), cb);

  // No lease yet: a creates it.
  ASSERT_TRUE(Held(a->TryAcquireOrRenew()));
  Json spec = LeaseSpec(*reader);
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], spec["renewTime"]);

  // b sees it held, and keeps seeing it held until the record has been
  // unchanged for the lease duration on b's clock.
  EXPECT_FALSE(Held(b->TryAcquireOrRenew()));
  EXPECT_EQ(b->observed_leader(), "a");
  clock_b.Advance(absl::Seconds(14));
  EXPECT_FALSE(Held(b->TryAcquireOrRenew()));

  // a renews: the record changes, so b's count starts over.
  clock_a.Advance(absl::Seconds(2));
  ASSERT_TRUE(Held(a->TryAcquireOrRenew()));
  Json renewed = LeaseSpec(*reader);
  EXPECT_EQ(renewed["acquireTime"], spec["acquireTime"]);
  EXPECT_NE(renewed["renewTime"], spec["renewTime"]);
  clock_b.Advance(absl::Seconds(2));
  EXPECT_FALSE(Held(b->TryAcquireOrRenew()));  // just observed the renewal
  clock_b.Advance(absl::Seconds(14));
  EXPECT_FALSE(Held(b->TryAcquireOrRenew()));

  // a stops renewing: 15 s after b last saw a change, b takes over.
  clock_b.Advance(absl::Seconds(2));
  ASSERT_TRUE(Held(b->TryAcquireOrRenew()));
  spec = LeaseSpec(*reader);
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(b->observed_leader(), "b");
  EXPECT_EQ(b_saw, (std::vector<std::string>{"a", "b"}));

  // a, back, finds b's fresh lease and does not take it.
  EXPECT_FALSE(Held(a->TryAcquireOrRenew()));
  EXPECT_EQ(a->observed_leader(), "b");
  EXPECT_FALSE(a->IsLeader());  // TryAcquireOrRenew alone never flips leadership
}

TEST(LeaderElectionTest, AHolderWrittenBetweenRoundsIsRespected) {
  // Rounds read the lease fresh and write it back with its resourceVersion.
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  auto writer = env.NewClient();
  kube::FakeClock clock;
  LeaderElectionConfig c = Short("a", nullptr);
  c.clock = &clock;
  auto a = NewElector(env.config(), c);
  ASSERT_TRUE(Held(a->TryAcquireOrRenew()));
  // Someone releases and another takes the lease between rounds: a's next
  // round reads it fresh, sees "z" holding, and backs off.
  absl::StatusOr<Json> lease = writer->Get(kLease);
  ASSERT_TRUE(lease.ok());
  (*lease)["spec"]["holderIdentity"] = "z";
  ASSERT_TRUE(writer->Update(kLease, *lease).ok());
  EXPECT_FALSE(Held(a->TryAcquireOrRenew()));
  EXPECT_EQ(a->observed_leader(), "z");
  // A stale resourceVersion is refused by the server.
  Json stale = *lease;
  stale["spec"]["holderIdentity"] = "y";
  EXPECT_TRUE(kube::IsConflict(writer->Update(kLease, stale).status()));
}

TEST(LeaderElectionTest, CandidatesStartingTogetherNeverBothLead) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  Arbiter arbiter;
  std::vector<std::unique_ptr<LeaderElector>> electors;
  for (const char* id : {"a", "b", "c"}) electors.push_back(NewElector(env.config(), Short(id, &arbiter)));
  for (auto& e : electors) e->Start();
  ASSERT_TRUE(Eventually([&] { return !arbiter.Current().empty(); }));
  const std::string leader = arbiter.Current();
  // Steady state for a while: the leader keeps renewing, nobody else leads.
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_EQ(arbiter.Current(), leader);
  int leading = 0;
  for (auto& e : electors) leading += e->IsLeader();
  EXPECT_EQ(leading, 1);
  for (auto& e : electors) e->Stop();
  EXPECT_EQ(arbiter.Violations(), 0);
}

TEST(LeaderElectionTest, ReleaseOnStopHandsOverAndNeverOverlaps) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  auto reader = env.NewClient();
  Arbiter arbiter;
  auto a = NewElector(env.config(), Short("a", &arbiter));
  a->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader(); }));
  auto b = NewElector(env.config(), Short("b", &arbiter));
  b->Start();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(b->IsLeader());
  EXPECT_EQ(b->observed_leader(), "a");

  a->Stop();  // steps down, then releases
  EXPECT_FALSE(a->IsLeader());
  ASSERT_TRUE(Eventually([&] { return b->IsLeader(); }));
  EXPECT_EQ(LeaseSpec(*reader)["holderIdentity"], "b");
  b->Stop();
  EXPECT_EQ(LeaseSpec(*reader)["holderIdentity"], "");  // released
  EXPECT_EQ(arbiter.Violations(), 0);
  EXPECT_EQ(arbiter.history, (std::vector<std::string>{"+a", "-a", "+b", "-b"}));
}

TEST(LeaderElectionTest, FailoverAfterExpiryWhenTheLeaderStopsRenewing) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  Arbiter arbiter;
  LeaderElectionConfig crashing = Short("a", &arbiter);
  crashing.release_on_stop = false;  // a crash: the lease is left behind
  auto a = NewElector(env.config(), crashing);
  a->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader(); }));
  auto b = NewElector(env.config(), Short("b", &arbiter));
  b->Start();
  ASSERT_TRUE(Eventually([&] { return b->observed_leader() == "a"; }));

  const absl::Time crash = absl::Now();
  a->Stop();
  ASSERT_TRUE(Eventually([&] { return b->IsLeader(); }));
  // b waited for the lease to expire: 2 s after it last saw a renewal,
  // which was at most one retry period before the crash.
  EXPECT_GE(absl::Now() - crash, absl::Milliseconds(1500));
  b->Stop();
  EXPECT_EQ(arbiter.Violations(), 0);
}

TEST(LeaderElectionTest, ALeaderCutOffFromTheServerStepsDownBeforeAnotherTakesOver) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  // a reaches the cluster through its own server: stopping that server is a
  // network partition for a alone.
  std::unique_ptr<kubesim::SimServer> a_path = KubesimEnv::StartServer(&env.cluster());
  ASSERT_NE(a_path, nullptr);
  Arbiter arbiter;
  auto a = NewElector(env.ConfigFor(*a_path), Short("a", &arbiter));
  a->Start();
  ASSERT_TRUE(Eventually([&] { return a->IsLeader(); }));
  auto b = NewElector(env.config(), Short("b", &arbiter));
  b->Start();
  ASSERT_TRUE(Eventually([&] { return b->observed_leader() == "a"; }));

  a_path->Stop();
  ASSERT_TRUE(Eventually([&] { return !a->IsLeader(); }));
  ASSERT_TRUE(Eventually([&] { return b->IsLeader(); }));
  {
    std::lock_guard<std::mutex> lock(arbiter.mu);
    EXPECT_LT(arbiter.stopped["a"], arbiter.started["b"]);
    EXPECT_EQ(arbiter.history, (std::vector<std::string>{"+a", "-a", "+b"}));
  }
  a->Stop();  // cannot release (no server): must still return
  b->Stop();
  EXPECT_EQ(arbiter.Violations(), 0);
}

}  // namespace
}  // namespace srfleet::agent
