// Every sample in samples/ applied as a CR on kubesim: the agent creates
// exactly the objects the offline renderer produces for that cluster, the
// router is Pending while kubesim holds pod readiness and Running once it
// releases it; the same CR on "OpenShift" and on "Kubernetes" differs only
// where it should (Route, fixed UID).
#include <gtest/gtest.h>

#include "tests/agent/e2e/agent_e2e_support.h"

namespace srfleet::agent::e2e {
namespace {

// What each sample refers to, created before the CR.
void PrepareSample(AgentHarness& h, const std::string& file) {
  h.CreateNamespace("llm");
  if (file == "simple.yaml") {
    h.CreateService("llm", "vllm-qwen");
  } else if (file == "gateway.yaml") {
    h.CreateNamespace("gateway-system");
    h.CreateNamespace("models");
    h.CreateGateway("gateway-system", "inference-gateway");
    h.CreateService("models", "vllm-llama");
  } else if (file == "ha-autoscaling.yaml") {
    h.CreateStorageClass("nfs-client");
    h.CreateService("llm", "vllm-qwen-72b");
    h.CreateSecret("llm", "redis-credentials", "password", "czNjcjN0");  // "s3cr3t"
  } else if (file == "kserve.yaml") {
    h.CreateInferenceService("llm", "mistral-7b");
  } else if (file == "llamastack.yaml") {
    h.CreateService("llm", "llama-stack-b", {{"app", "llama-stack"}, {"model", "llama-3.3-70b"}}, 8321);
    h.CreateService("llm", "llama-stack-a", {{"app", "llama-stack"}, {"model", "llama-3.3-70b"}}, 8321);
  } else if (file == "multi-backend.yaml") {
    h.CreateNamespace("models-b");
    h.CreateService("llm", "vllm-qwen-a");
    h.CreateService("models-b", "vllm-qwen-b");
    h.CreateInferenceService("llm", "deepseek-r1");
    h.CreateService("llm", "llama-stack", {{"app", "llama-stack"}}, 8321);
  } else if (file == "openshift-route.yaml") {
    h.CreateStorageClass("gp3-csi");
    h.CreateInferenceService("llm", "granite-8b");
  }
}

struct SampleCase {
  std::string file;
  bool openshift;
};

class SampleTest : public ::testing::TestWithParam<SampleCase> {};

TEST_P(SampleTest, YieldsExactlyTheRenderedObjectsAndRunsOnceReady) {
  const SampleCase& c = GetParam();
  AgentHarness h(SimOptions(c.openshift));
  ASSERT_TRUE(h.ok());
  PrepareSample(h, c.file);
  h.cluster().HoldReadiness(true);
  h.StartAgent();

  const Json sample = AgentHarness::Sample(c.file);
  const std::string ns = NamespaceOf(sample), name = NameOf(sample);
  const Json created = h.CreateRouter(sample);
  ASSERT_FALSE(created.is_null());
  const std::set<std::string> expected = h.ExpectedObjects(sample);
  ASSERT_FALSE(expected.empty());

  std::set<std::string> owned;
  EXPECT_TRUE(WaitFor([&] {
    owned = h.OwnedObjects(ns, UidOf(created));
    return owned == expected;
  })) << "owned: " << Describe(owned) << "\nexpected: " << Describe(expected);

  EXPECT_TRUE(h.WaitForPhase(ns, name, "Pending")) << h.Router(ns, name)->dump(2);
  EXPECT_EQ(h.ConditionStatus(ns, name, "Available"), "False");
  EXPECT_EQ(h.ConditionStatus(ns, name, "BackendsResolved"), "True");
  EXPECT_EQ(h.ConditionStatus(ns, name, "StorageReady"), "True");

  h.cluster().HoldReadiness(false);
  EXPECT_TRUE(h.WaitForPhase(ns, name, "Running")) << h.Router(ns, name)->dump(2);
  std::optional<Json> router = h.Router(ns, name);
  ASSERT_TRUE(router);
  EXPECT_EQ(IntField(*router, {"status", "observedGeneration"}), GenerationOf(*router));
  EXPECT_EQ(h.ConditionStatus(ns, name, "Available"), "True");
  EXPECT_EQ(h.ConditionStatus(ns, name, "Degraded"), "False");
  EXPECT_GT(IntField(*router, {"status", "readyReplicas"}), 0);
  const bool gateway = FindField(sample, {"spec", "gateway", "existingRef"}) != nullptr;
  EXPECT_EQ(StringField(*router, {"status", "gatewayMode"}), gateway ? "gateway-integration" : "standalone");
  if (gateway) {
    EXPECT_EQ(h.ConditionStatus(ns, name, "GatewayReady"), "True");
  }
  // The finalizer was added by a merge patch: the spec is as the user wrote it.
  EXPECT_EQ((*router)["spec"], created["spec"]);
  ASSERT_TRUE((*router)["metadata"]["finalizers"].is_array());
  EXPECT_EQ((*router)["metadata"]["finalizers"][0], "semanticrouter.vllm.ai/finalizer");
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleTest,
                         ::testing::Values(SampleCase{"simple.yaml", false}, SampleCase{"gateway.yaml", false},
                                           SampleCase{"ha-autoscaling.yaml", false}, SampleCase{"kserve.yaml", false},
                                           SampleCase{"llamastack.yaml", false},
                                           SampleCase{"multi-backend.yaml", false},
                                           SampleCase{"openshift-route.yaml", true},
                                           SampleCase{"simple.yaml", true}),
                         [](const ::testing::TestParamInfo<SampleCase>& info) {
                           std::string n = info.param.file.substr(0, info.param.file.find('.'));
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n + (info.param.openshift ? "_on_openshift" : "_on_kubernetes");
                         });

// Security contexts of the router container and the pod.
struct Security {
  Json pod, container;
};
Security SecurityOf(AgentHarness& h, const std::string& ns, const std::string& name) {
  std::optional<Json> dep = h.GetKind("Deployment", ns, name);
  if (!dep) return {};
  const Json* pod = FindField(*dep, {"spec", "template", "spec"});
  Security s;
  s.pod = pod ? pod->value("securityContext", Json::object()) : Json();
  if (pod && (*pod)["containers"].is_array() && !(*pod)["containers"].empty()) {
    s.container = (*pod)["containers"][0].value("securityContext", Json::object());
  }
  return s;
}

TEST(PlatformTest, OpenShiftGetsARouteAndNoFixedUid) {
  AgentHarness h(SimOptions(/*openshift=*/true));
  ASSERT_TRUE(h.ok());
  PrepareSample(h, "openshift-route.yaml");
  h.StartAgent();
  const Json sample = AgentHarness::Sample("openshift-route.yaml");
  h.CreateRouter(sample);
  ASSERT_TRUE(h.WaitForPhase("llm", "router-ocp", "Running"));
  std::optional<Json> route = h.GetKind("Route", "llm", "router-ocp");
  ASSERT_TRUE(route);
  EXPECT_EQ(StringField(*route, {"spec", "host"}), "router.apps.example.com");
  Security s = SecurityOf(h, "llm", "router-ocp");
  EXPECT_FALSE(s.pod.contains("runAsUser")) << s.pod.dump();
  EXPECT_FALSE(s.pod.contains("fsGroup")) << s.pod.dump();
  EXPECT_FALSE(s.container.contains("runAsUser")) << s.container.dump();

  // Not admitted yet: routesEnabled false, no hostname. The router admits it.
  std::optional<Json> router = h.Router("llm", "router-ocp");
  EXPECT_EQ(BoolField(*router, {"status", "openshiftFeatures", "routesEnabled"}, true), false);
  absl::StatusOr<Json> admitted = h.client().MergePatchStatus(
      AgentHarness::KindRef("Route").WithNamespace("llm").WithName("router-ocp"),
      {{"status", {{"ingress", Json::array({{{"host", "router.apps.example.com"}, {"routerName", "default"}}})}}}});
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> r = h.Router("llm", "router-ocp");
    return r && StringField(*r, {"status", "openshiftFeatures", "routeHostname"}) == "router.apps.example.com" &&
           BoolField(*r, {"status", "openshiftFeatures", "routesEnabled"});
  }));
}

TEST(PlatformTest, KubernetesGetsNoRouteAndUid1000) {
  AgentHarness h(SimOptions(/*openshift=*/false));
  ASSERT_TRUE(h.ok());
  PrepareSample(h, "openshift-route.yaml");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("openshift-route.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-ocp", "Running"));
  EXPECT_FALSE(h.GetKind("Route", "llm", "router-ocp"));
  Security s = SecurityOf(h, "llm", "router-ocp");
  EXPECT_EQ(s.pod.value("runAsUser", 0), 1000) << s.pod.dump();
  EXPECT_EQ(s.pod.value("fsGroup", 0), 1000) << s.pod.dump();
  EXPECT_EQ(s.container.value("runAsUser", 0), 1000) << s.container.dump();
  std::optional<Json> router = h.Router("llm", "router-ocp");
  EXPECT_FALSE(FindField(*router, {"status", "openshiftFeatures"}));
  // The person asked for a Route: they are told why there is none, once.
  absl::SleepFor(absl::Milliseconds(300));
  absl::StatusOr<kube::ObjectList> events = h.client().List(kube::ResourceRef::Core("events", "llm"));
  ASSERT_TRUE(events.ok());
  int warnings = 0;
  for (const auto& e : events->items) {
    if (StringField(e, {"reason"}) != "RenderWarning") continue;
    ++warnings;
    EXPECT_NE(StringField(e, {"message"}).find("not OpenShift"), std::string::npos);
    EXPECT_EQ(IntField(e, {"count"}), 1);
  }
  EXPECT_EQ(warnings, 1);
}

}  // namespace
}  // namespace srfleet::agent::e2e
