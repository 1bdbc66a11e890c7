// ComputeStatus: phases, conditions (reasons, messages, lastTransitionTime
// kept while the status does not flip), and the merge patch.
#include "agent/reconcile/status_writer.h"

#include <gtest/gtest.h>

#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {
namespace {

Json Deployment(int64_t generation, int64_t observed, int64_t replicas, int64_t ready, int64_t spec_replicas = -1) {
  Json d = {{"metadata", {{"name", "r"}, {"generation", generation}}},
            {"status", {{"observedGeneration", observed}, {"replicas", replicas}, {"readyReplicas", ready}}}};
  if (spec_replicas >= 0) d["spec"]["replicas"] = spec_replicas;
  return d;
}

Json FindCondition(const Json& status, const std::string& type) {
  for (const auto& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  return Json();
}

struct Fixture {
  BackendResolution backends;
  StorageCheck storage;
  Json deployment;
  StatusInputs in;
  Fixture() {
    BackendStatus b;
    b.name = "qwen";
    b.model = "m";
    b.endpoint = "h:1";
    b.protocol = "http";
    b.resolved = true;
    backends.statuses.push_back(b);
    storage.reason = "StorageClassFound";
    storage.message = "ok";
    in.generation = 3;
    in.now = absl::FromUnixSeconds(1700000000);
    in.backends = &backends;
    in.storage = &storage;
    in.deployment_name = "r";
    in.ns = "llm";
    in.spec_replicas = 2;
  }
  Json Compute(Json dep) {
    deployment = std::move(dep);
    in.deployment = deployment.is_null() ? nullptr : &deployment;
    return ComputeStatus(in);
  }
};

TEST(ComputeStatusTest, Phases) {
  Fixture f;
  EXPECT_EQ(f.Compute(Json())["phase"], "Pending");
  EXPECT_EQ(FindCondition(f.Compute(Json()), "Available")["reason"], "DeploymentNotCreated");
  EXPECT_EQ(f.Compute(Deployment(1, 1, 2, 0))["phase"], "Pending");
  EXPECT_EQ(f.Compute(Deployment(1, 1, 2, 1))["phase"], "Progressing");
  EXPECT_EQ(f.Compute(Deployment(2, 1, 2, 2))["phase"], "Progressing");  // rollout not observed yet
  Json running = f.Compute(Deployment(2, 2, 2, 2));
  EXPECT_EQ(running["phase"], "Running");
  EXPECT_EQ(running["replicas"], 2);
  EXPECT_EQ(running["readyReplicas"], 2);
  EXPECT_EQ(running["observedGeneration"], 3);
  EXPECT_EQ(running["gatewayMode"], "standalone");
  EXPECT_EQ(FindCondition(running, "Available")["status"], "True");
  EXPECT_EQ(FindCondition(running, "Progressing")["status"], "False");
  EXPECT_EQ(FindCondition(running, "Degraded")["status"], "False");
  EXPECT_EQ(FindCondition(running, "BackendsResolved")["status"], "True");
  EXPECT_EQ(FindCondition(running, "StorageReady")["status"], "True");
  EXPECT_TRUE(FindCondition(running, "GatewayReady").is_null());
  EXPECT_EQ(FindCondition(running, "Available")["observedGeneration"], 3);
  EXPECT_FALSE(running.contains("openshiftFeatures"));
}

TEST(ComputeStatusTest, DegradedWinsAndNamesTheProblem) {
  Fixture f;
  f.backends.statuses[0].resolved = false;
  f.backends.statuses[0].message = "InferenceService llm/x not found";
  Json s = f.Compute(Deployment(1, 1, 2, 2));
  EXPECT_EQ(s["phase"], "Degraded");
  Json degraded = FindCondition(s, "Degraded");
  EXPECT_EQ(degraded["status"], "True");
  EXPECT_EQ(degraded["reason"], "BackendUnresolved");
  Json resolved = FindCondition(s, "BackendsResolved");
  EXPECT_EQ(resolved["status"], "False");
  EXPECT_NE(resolved["message"].get<std::string>().find("qwen: InferenceService llm/x not found"), std::string::npos);
  EXPECT_EQ(s["backends"][0]["resolved"], false);

  Fixture g;
  g.in.problems.push_back({"ApplyFailed", "apply Deployment llm/r: 500"});
  g.storage.ready = false;
  g.storage.reason = "StorageClassMissing";
  Json t = g.Compute(Deployment(1, 1, 2, 2));
  EXPECT_EQ(FindCondition(t, "Degraded")["reason"], "ApplyFailed");
  EXPECT_NE(FindCondition(t, "Degraded")["message"].get<std::string>().find("apply Deployment"), std::string::npos);
  EXPECT_EQ(FindCondition(t, "StorageReady")["status"], "False");
}

TEST(ComputeStatusTest, FailedForInvalidSpec) {
  Fixture f;
  f.in.failure = StatusProblem{"InvalidSpec", "spec.replicas: must be >= 0"};
  Json s = f.Compute(Deployment(1, 1, 2, 2));
  EXPECT_EQ(s["phase"], "Failed");
  EXPECT_EQ(FindCondition(s, "Degraded")["reason"], "InvalidSpec");
}

TEST(ComputeStatusTest, AutoscalingFollowsTheDeploymentsScale) {
  Fixture f;
  f.in.autoscaling = true;
  f.in.spec_replicas = 3;
  EXPECT_EQ(f.Compute(Deployment(1, 1, 7, 7, 7))["phase"], "Running");
  EXPECT_EQ(f.Compute(Deployment(1, 1, 7, 5, 7))["phase"], "Progressing");
}

TEST(ComputeStatusTest, GatewayAndRoute) {
  Fixture f;
  f.in.gateway_mode = true;
  f.in.gateway_ready = false;
  f.in.gateway_reason = "GatewayNotFound";
  f.in.gateway_message = "Gateway gw/x not found";
  f.in.routes_wanted = true;
  Json route = {{"status", {{"ingress", Json::array({{{"host", "r.apps.example.com"}}})}}}};
  f.in.route = &route;
  Json s = f.Compute(Deployment(1, 1, 2, 2));
  EXPECT_EQ(s["gatewayMode"], "gateway-integration");
  EXPECT_EQ(s["phase"], "Degraded");
  EXPECT_EQ(FindCondition(s, "GatewayReady")["reason"], "GatewayNotFound");
  EXPECT_EQ(s["openshiftFeatures"]["routesEnabled"], true);
  EXPECT_EQ(s["openshiftFeatures"]["routeHostname"], "r.apps.example.com");
  Json unadmitted = Json::object();
  f.in.route = &unadmitted;
  EXPECT_EQ(f.Compute(Deployment(1, 1, 2, 2))["openshiftFeatures"], (Json{{"routesEnabled", false}}));
}

TEST(ComputeStatusTest, TransitionTimeMovesOnlyWhenStatusFlips) {
  Fixture f;
  Json first = f.Compute(Deployment(1, 1, 2, 0));
  f.in.live_status = &first;
  f.in.now = absl::FromUnixSeconds(1700000500);
  Json same = f.Compute(Deployment(1, 1, 2, 0));
  EXPECT_TRUE(StatusUpToDate(same, &first));  // nothing to write
  Json flipped = f.Compute(Deployment(1, 1, 2, 2));
  EXPECT_NE(FindCondition(flipped, "Available")["lastTransitionTime"],
            FindCondition(first, "Available")["lastTransitionTime"]);
  EXPECT_EQ(FindCondition(flipped, "Degraded")["lastTransitionTime"],
            FindCondition(first, "Degraded")["lastTransitionTime"]);
  EXPECT_FALSE(StatusUpToDate(flipped, &first));
}

TEST(StatusMergePatchTest, NullsWhatTheComputedStatusDropped) {
  Json live = {{"phase", "Running"}, {"openshiftFeatures", {{"routesEnabled", true}}}};
  Json computed = {{"phase", "Pending"}};
  Json patch = StatusMergePatch(computed, &live);
  EXPECT_EQ(patch["phase"], "Pending");
  EXPECT_TRUE(patch.contains("openshiftFeatures"));
  EXPECT_TRUE(patch["openshiftFeatures"].is_null());
}

}  // namespace
}  // namespace srfleet::agent
