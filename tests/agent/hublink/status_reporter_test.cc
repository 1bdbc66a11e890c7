// StatusReporter against kubesim, driven with explicit times so throttling is
// checked exactly: full first, then only changes, one send per router per
// interval with the latest state sent once the interval passed, removals.
#include "agent/hublink/status_reporter.h"

#include <gtest/gtest.h>

#include "tests/agent/e2e/agent_e2e_support.h"
#include "tests/agent/hublink/hublink_test_support.h"

namespace srfleet::agent::hublink {
namespace {

using e2e::AgentHarness;
using e2e::RoutersRef;
using e2e::WaitFor;
using testing::HubManagedRouter;
using testing::RouterManifest;

void PatchStatus(AgentHarness& h, const std::string& name, Json status) {
  absl::StatusOr<Json> patched =
      h.client().MergePatchStatus(RoutersRef().WithNamespace("llm").WithName(name), {{"status", std::move(status)}});
  ASSERT_TRUE(patched.ok()) << patched.status();
}

TEST(StatusReporterTest, FullThenChangesThrottledThenRemoved) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateRouter(RouterManifest("llm", "a"));
  h.CreateRouter(HubManagedRouter("llm", "b", 3, "x"));

  StatusReporterOptions options;
  options.min_interval_per_router = absl::Seconds(1);
  options.informer.backoff = kube::BackoffPolicy{absl::Milliseconds(20), absl::Milliseconds(300), 2.0, 0.5};
  StatusReporter reporter(h.agent_client(), options);
  const absl::Time t0 = absl::Now();
  reporter.Start();
  ASSERT_TRUE(WaitFor([&] { return reporter.Synced(); }));

  std::optional<fleet::v1::StatusReport> report = reporter.NextReport(t0);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->full());
  ASSERT_EQ(report->routers_size(), 2);
  EXPECT_EQ(report->routers(0).name(), "a");
  EXPECT_EQ(report->routers(0).intent_id(), "");  // local
  EXPECT_EQ(report->routers(1).name(), "b");
  EXPECT_EQ(report->routers(1).intent_id(), "llm/b");
  EXPECT_EQ(report->routers(1).intent_revision(), 3);
  EXPECT_FALSE(reporter.NextReport(t0).has_value());

  // A status change, a full interval after the last send: out at once.
  PatchStatus(h, "a", {{"phase", "Pending"}});
  ASSERT_TRUE(WaitFor([&] { return reporter.pending() > 0; }));
  report = reporter.NextReport(t0 + absl::Seconds(2));
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->full());
  ASSERT_EQ(report->routers_size(), 1);
  EXPECT_EQ(report->routers(0).phase(), "Pending");

  // Another within the interval: held back (still pending), then sent.
  PatchStatus(h, "a", {{"phase", "Running"}, {"readyReplicas", 1}});
  ASSERT_TRUE(WaitFor([&] { return reporter.pending() > 0; }));
  EXPECT_FALSE(reporter.NextReport(t0 + absl::Milliseconds(2500)).has_value());
  EXPECT_EQ(reporter.pending(), 1u);
  report = reporter.NextReport(t0 + absl::Seconds(3));
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->routers_size(), 1);
  EXPECT_EQ(report->routers(0).phase(), "Running");
  EXPECT_EQ(report->routers(0).ready_replicas(), 1);

  // A change that leaves the status as it was (a label): looked at, not sent.
  absl::StatusOr<Json> labelled = h.client().MergePatch(RoutersRef().WithNamespace("llm").WithName("a"),
                                                        {{"metadata", {{"labels", {{"touched", "yes"}}}}}});
  ASSERT_TRUE(labelled.ok()) << labelled.status();
  ASSERT_TRUE(WaitFor([&] { return reporter.pending() > 0; }));
  EXPECT_FALSE(reporter.NextReport(t0 + absl::Seconds(10)).has_value());
  EXPECT_EQ(reporter.pending(), 0u);

  // Deleted: in `removed`; the first report after the delete is that one.
  ASSERT_TRUE(h.client().Delete(RoutersRef().WithNamespace("llm").WithName("a")).ok());
  report.reset();
  ASSERT_TRUE(WaitFor([&] {
    report = reporter.NextReport(t0 + absl::Seconds(10));
    return report.has_value();
  }));
  EXPECT_EQ(report->routers_size(), 0);
  ASSERT_EQ(report->removed_size(), 1);
  EXPECT_EQ(report->removed(0), "llm/a");

  // A new stream: everything again, full.
  reporter.BeginStream();
  report = reporter.NextReport(t0 + absl::Seconds(11));
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->full());
  ASSERT_EQ(report->routers_size(), 1);
  EXPECT_EQ(report->routers(0).name(), "b");
  reporter.Stop();
}

}  // namespace
}  // namespace srfleet::agent::hublink
