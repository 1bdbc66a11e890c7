// AgentMetrics: the families and their values in the text exposition, fed by
// the controller's observer hook and by a real kube client talking to kubesim.
#include "agent/ops/metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "agent/controller/work_queue.h"
#include "tests/agent/kubesim_env.h"

namespace srfleet::agent {
namespace {

// The value of the sample line that starts with `series` (name{labels}), or -1.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(AgentMetricsTest, EveryFamilyIsExposedFromTheStart) {
  AgentMetrics metrics;
  const std::string text = metrics.Render();
  for (const char* family :
       {"# TYPE srfleet_agent_reconcile_total counter", "# TYPE srfleet_agent_reconcile_errors_total counter",
        "# TYPE srfleet_agent_reconcile_duration_seconds histogram", "# TYPE srfleet_agent_workqueue_depth gauge",
        "# TYPE srfleet_agent_leader gauge"}) {
    EXPECT_NE(text.find(family), std::string::npos) << family << "\n" << text;
  }
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_total{result=\"success\"}"), 0);
  EXPECT_EQ(Sample(text, "srfleet_agent_leader"), 0);
  // Families without series are left out by prometheus-cpp: API requests
  // show up with the first request (their labels are not known before).
}

TEST(AgentMetricsTest, ReconcilesAreCountedByResultAndTimed) {
  AgentMetrics metrics;
  ReconcileObserver& observer = metrics;
  observer.OnReconcile("c", "success", absl::Milliseconds(3));
  observer.OnReconcile("c", "success", absl::Milliseconds(30));
  observer.OnReconcile("c", "error", absl::Seconds(2));
  observer.OnReconcile("c", "requeue_after", absl::Milliseconds(1));
  const std::string text = metrics.Render();
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_total{result=\"success\"}"), 2);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_total{result=\"error\"}"), 1);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_total{result=\"requeue_after\"}"), 1);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_errors_total"), 1);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_duration_seconds_count"), 4);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_duration_seconds_bucket{le=\"0.005\"}"), 2);
  EXPECT_EQ(Sample(text, "srfleet_agent_reconcile_duration_seconds_bucket{le=\"+Inf\"}"), 4);
  EXPECT_NEAR(Sample(text, "srfleet_agent_reconcile_duration_seconds_sum"), 2.034, 1e-9);
}

TEST(AgentMetricsTest, LeaderAndQueueDepthGauges) {
  AgentMetrics metrics;
  metrics.SetLeader(true);
  metrics.SetWorkqueueDepth(7);
  std::string text = metrics.Render();
  EXPECT_EQ(Sample(text, "srfleet_agent_leader"), 1);
  EXPECT_EQ(Sample(text, "srfleet_agent_workqueue_depth"), 7);

  // With a source, the depth is sampled at every scrape.
  WorkQueue queue;
  metrics.SetWorkqueueDepthSource([&queue] { return queue.Len(); });
  queue.Add("a/b");
  queue.Add("a/c");
  text = metrics.Render();
  EXPECT_EQ(Sample(text, "srfleet_agent_workqueue_depth"), 2);
  metrics.SetWorkqueueDepthSource(nullptr);
  metrics.SetLeader(false);
  EXPECT_EQ(Sample(metrics.Render(), "srfleet_agent_leader"), 0);
}

TEST(AgentMetricsTest, ApiRequestsByVerbAndCode) {
  AgentMetrics metrics;
  kube::RequestMetric m;
  m.verb = "get";
  m.code = 200;
  metrics.OnRequest(m);
  metrics.OnRequest(m);
  m.code = 0;  // no response
  metrics.OnRequest(m);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE srfleet_agent_api_requests_total counter"), std::string::npos);
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"200\",verb=\"get\"}"), 2) << text;
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"<error>\",verb=\"get\"}"), 1) << text;
}

TEST(AgentMetricsTest, AKubeClientFeedsTheRequestCounter) {
  testing::KubesimEnv env;
  ASSERT_TRUE(env.ok());
  auto metrics = std::make_shared<AgentMetrics>();
  kube::ClientOptions options;
  options.observer = metrics;
  auto client = env.NewClient(options);
  const kube::ResourceRef cms = kube::ResourceRef::Core("configmaps", "default");
  ASSERT_TRUE(client->Create(cms, testing::ConfigMap("default", "m")).ok());
  ASSERT_TRUE(client->Get(cms.WithName("m")).ok());
  EXPECT_TRUE(kube::IsNotFound(client->Get(cms.WithName("absent")).status()));
  ASSERT_TRUE(client->List(cms).ok());
  const std::string text = metrics->Render();
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"201\",verb=\"create\"}"), 1) << text;
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"200\",verb=\"get\"}"), 1) << text;
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"404\",verb=\"get\"}"), 1) << text;
  EXPECT_EQ(Sample(text, "srfleet_agent_api_requests_total{code=\"200\",verb=\"list\"}"), 1) << text;
}

}  // namespace
}  // namespace srfleet::agent
