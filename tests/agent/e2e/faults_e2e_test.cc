// The agent under API server trouble: 500 and 429 storms (kubesim fault
// injection) and dropped watches / restarts. It must report Degraded while
// writes fail, and converge once the server recovers, without a restart.
#include <gtest/gtest.h>

#include "tests/agent/e2e/agent_e2e_support.h"

namespace srfleet::agent::e2e {
namespace {

void PatchReplicas(AgentHarness& h, int replicas) {
  absl::StatusOr<Json> patched = h.client().MergePatch(RoutersRef().WithNamespace("llm").WithName("simple"),
                                                       {{"spec", {{"replicas", replicas}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
}

bool ConvergedTo(AgentHarness& h, int replicas) {
  std::optional<Json> r = h.Router("llm", "simple");
  std::optional<Json> d = h.GetKind("Deployment", "llm", "simple");
  return r && d && IntField(*d, {"spec", "replicas"}) == replicas &&
         IntField(*r, {"status", "readyReplicas"}) == replicas && StringField(*r, {"status", "phase"}) == "Running" &&
         IntField(*r, {"status", "observedGeneration"}) == GenerationOf(*r);
}

class StormTest : public ::testing::TestWithParam<int> {};

TEST_P(StormTest, ReportsDegradedDuringTheStormAndConvergesAfter) {
  const int code = GetParam();
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen");
  h.StartAgent();
  Json router = AgentHarness::Sample("simple.yaml");
  h.CreateRouter(router);
  ASSERT_TRUE(h.WaitForPhase("llm", "simple", "Running"));

  PhaseWatcher phases(h.client(), "llm");
  kubesim::FaultPlan storm;
  storm.fail_status = code;
  // The agent's client gives up after 3 attempts about half of the time.
  storm.fail_fraction = 0.8;
  storm.retry_after_seconds = 1;
  h.cluster().SetFaults(storm);
  // Keep the agent busy writing during the storm: each change needs a
  // Deployment apply, which fails about half of the time.
  const absl::Time storm_end = absl::Now() + absl::Seconds(8);
  int replicas = 1;
  while (absl::Now() < storm_end && phases.Seen("simple", "Degraded") == 0) {
    replicas = replicas % 4 + 1;
    PatchReplicas(h, replicas);
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_GT(phases.Seen("simple", "Degraded"), 0);
  PatchReplicas(h, 2);
  h.cluster().SetFaults(kubesim::FaultPlan{});
  EXPECT_TRUE(WaitFor([&] { return ConvergedTo(h, 2); }, absl::Seconds(20))) << h.Router("llm", "simple")->dump(2);
  EXPECT_EQ(h.ConditionStatus("llm", "simple", "Degraded"), "False");
}

INSTANTIATE_TEST_SUITE_P(Codes, StormTest, ::testing::Values(500, 429),
                         [](const ::testing::TestParamInfo<int>& info) { return absl::StrCat("http", info.param); });

TEST(WatchTest, DroppedWatchesAndRestartsDoNotLoseChanges) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("simple.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "simple", "Running"));
  for (int i = 2; i <= 6; ++i) {
    if (i % 2 == 0) {
      h.server().DropConnections();  // network loss: every stream and connection
    } else {
      h.cluster().DropWatches();
    }
    PatchReplicas(h, i);
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(WaitFor([&] { return ConvergedTo(h, 6); }, absl::Seconds(20)));

  // An API server restart (state kept, watch cache lost: resume -> 410 -> relist).
  h.cluster().Restart(/*keep_state=*/true);
  PatchReplicas(h, 3);
  EXPECT_TRUE(WaitFor([&] { return ConvergedTo(h, 3); }, absl::Seconds(20)));
  // A backend Service created while the watches are down is still noticed.
  h.cluster().DropWatches();
  absl::StatusOr<Json> deleted = h.client().Delete(kube::ResourceRef::Core("services", "llm", "vllm-qwen"));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "simple", "BackendsResolved") == "False"; }));
  h.server().DropConnections();
  h.CreateService("llm", "vllm-qwen");
  EXPECT_TRUE(h.WaitForPhase("llm", "simple", "Running", absl::Seconds(20)));
}

}  // namespace
}  // namespace srfleet::agent::e2e
