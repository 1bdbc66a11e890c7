// The reconcile behaviours of issue 4 end to end against kubesim: gateway <->
// standalone switching, backends appearing later, minimal writes, steady
// state, the HPA and `kubectl rollout restart` left alone, drift repaired,
// pruning, deletion with the finalizer, storage and Secret problems.
#include <gtest/gtest.h>

#include "tests/agent/e2e/agent_e2e_support.h"

namespace srfleet::agent::e2e {
namespace {

Json SimpleRouter(const std::string& name = "simple") {
  Json r = AgentHarness::Sample("simple.yaml");
  r["metadata"]["name"] = name;
  return r;
}

void MergePatchRouter(AgentHarness& h, const std::string& ns, const std::string& name, const Json& patch) {
  absl::StatusOr<Json> patched = h.client().MergePatch(RoutersRef().WithNamespace(ns).WithName(name), patch);
  ASSERT_TRUE(patched.ok()) << patched.status();
}

bool HasContainer(const Json& deployment, const std::string& name) {
  const Json* containers = FindField(deployment, {"spec", "template", "spec", "containers"});
  if (!containers || !containers->is_array()) return false;
  for (const auto& c : *containers) {
    if (StringField(c, {"name"}) == name) return true;
  }
  return false;
}

std::vector<Json> EventsFor(AgentHarness& h, const std::string& ns, const std::string& reason) {
  std::vector<Json> out;
  absl::StatusOr<kube::ObjectList> list = h.client().List(kube::ResourceRef::Core("events", ns));
  if (!list.ok()) return out;
  for (const auto& e : list->items) {
    if (StringField(e, {"reason"}) == reason) out.push_back(e);
  }
  return out;
}

TEST(GatewayModeTest, GatewayCreatesHttpRouteWithoutSidecarAndSwitchingBackRestoresIt) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("gateway-system");
  h.CreateNamespace("models");
  h.CreateGateway("gateway-system", "inference-gateway");
  h.CreateService("models", "vllm-llama");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("gateway.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));

  std::optional<Json> route = h.GetKind("HTTPRoute", "llm", "router-gw");
  ASSERT_TRUE(route);
  EXPECT_EQ(StringField((*route)["spec"]["parentRefs"][0], {"name"}), "inference-gateway");
  std::optional<Json> dep = h.GetKind("Deployment", "llm", "router-gw");
  ASSERT_TRUE(dep);
  EXPECT_FALSE(HasContainer(*dep, "envoy-proxy"));
  EXPECT_FALSE(h.GetKind("ConfigMap", "llm", "router-gw-envoy-config"));
  EXPECT_EQ(h.ConditionStatus("llm", "router-gw", "GatewayReady"), "True");

  // Back to standalone: the HTTPRoute goes, the sidecar and its config return.
  MergePatchRouter(h, "llm", "router-gw", {{"spec", {{"gateway", nullptr}}}});
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> d = h.GetKind("Deployment", "llm", "router-gw");
    return !h.GetKind("HTTPRoute", "llm", "router-gw") && d && HasContainer(*d, "envoy-proxy") &&
           h.GetKind("ConfigMap", "llm", "router-gw-envoy-config");
  }));
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> r = h.Router("llm", "router-gw");
    return r && StringField(*r, {"status", "gatewayMode"}) == "standalone" &&
           StringField(*r, {"status", "phase"}) == "Running" && h.Condition("llm", "router-gw", "GatewayReady").is_null();
  }));
  EXPECT_FALSE(EventsFor(h, "llm", "Deleted").empty());

  // And to gateway mode again: the Envoy ConfigMap is pruned this time.
  MergePatchRouter(h, "llm", "router-gw",
                   {{"spec", {{"gateway", {{"existingRef", {{"name", "inference-gateway"},
                                                            {"namespace", "gateway-system"}}}}}}}});
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> d = h.GetKind("Deployment", "llm", "router-gw");
    return h.GetKind("HTTPRoute", "llm", "router-gw") && d && !HasContainer(*d, "envoy-proxy") &&
           !h.GetKind("ConfigMap", "llm", "router-gw-envoy-config");
  }));
}

TEST(GatewayModeTest, MissingGatewayIsReportedAndPickedUpWhenCreated) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("gateway-system");
  h.CreateNamespace("models");
  h.CreateService("models", "vllm-llama");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("gateway.yaml"));
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "router-gw", "GatewayReady") == "False"; }));
  EXPECT_EQ(StringField(h.Condition("llm", "router-gw", "GatewayReady"), {"reason"}), "GatewayNotFound");
  EXPECT_EQ(h.Phase("llm", "router-gw"), "Degraded");
  h.CreateGateway("gateway-system", "inference-gateway");
  EXPECT_TRUE(h.WaitForPhase("llm", "router-gw", "Running", absl::Seconds(5)));
}

TEST(GatewayModeTest, GatewayApiRemovedAndReinstalled) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("gateway-system");
  h.CreateNamespace("models");
  h.CreateGateway("gateway-system", "inference-gateway");
  h.CreateService("models", "vllm-llama");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("gateway.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));
  h.cluster().SetDiscovery(false, /*gateway_api=*/false, true);
  EXPECT_TRUE(WaitFor([&] {
    return StringField(h.Condition("llm", "router-gw", "GatewayReady"), {"reason"}) == "GatewayAPINotInstalled";
  }));
  EXPECT_EQ(h.Phase("llm", "router-gw"), "Degraded");
  EXPECT_TRUE(h.GetKind("Deployment", "llm", "router-gw"));
  h.cluster().SetDiscovery(false, /*gateway_api=*/true, true);
  EXPECT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));
  EXPECT_TRUE(h.GetKind("HTTPRoute", "llm", "router-gw"));
}

TEST(BackendTest, KServeBackendAbsentThenCreatedIsResolvedWithoutTouchingTheCr) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.StartAgent();
  const Json created = h.CreateRouter(AgentHarness::Sample("kserve.yaml"));
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "router-kserve", "BackendsResolved") == "False"; }));
  Json cond = h.Condition("llm", "router-kserve", "BackendsResolved");
  EXPECT_NE(StringField(cond, {"message"}).find("mistral"), std::string::npos) << cond.dump();
  EXPECT_NE(StringField(cond, {"message"}).find("InferenceService llm/mistral-7b not found"), std::string::npos);
  // The router is deployed anyway, with the backends that did resolve (none).
  EXPECT_TRUE(WaitFor([&] { return h.GetKind("Deployment", "llm", "router-kserve").has_value(); }));
  EXPECT_EQ(h.Phase("llm", "router-kserve"), "Degraded");
  std::optional<Json> router = h.Router("llm", "router-kserve");
  ASSERT_TRUE(router);
  EXPECT_EQ(BoolField((*router)["status"]["backends"][0], {"resolved"}, true), false);
  EXPECT_FALSE(EventsFor(h, "llm", "BackendUnresolved").empty());
  const int64_t generation = GenerationOf(*router);

  // Created later, with a status address: resolved within 5 s, CR untouched.
  const absl::Time t0 = absl::Now();
  h.CreateInferenceService("llm", "mistral-7b",
                           {{"address", {{"url", "https://mistral-7b-predictor.llm.svc.cluster.local"}}}});
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "router-kserve", "BackendsResolved") == "True"; },
                      absl::Seconds(5)));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5));
  EXPECT_TRUE(h.WaitForPhase("llm", "router-kserve", "Running", absl::Seconds(5)));
  // The status address (patched in just after the create) wins over the
  // predictor-Service fallback as soon as it is there.
  EXPECT_TRUE(WaitFor([&] {
    router = h.Router("llm", "router-kserve");
    return router && StringField((*router)["status"]["backends"][0], {"endpoint"}) ==
                         "mistral-7b-predictor.llm.svc.cluster.local:443";
  }, absl::Seconds(5)));
  EXPECT_EQ(GenerationOf(*router), generation);
  std::optional<Json> config = h.GetKind("ConfigMap", "llm", "router-kserve-config");
  ASSERT_TRUE(config);
  EXPECT_NE(StringField(*config, {"data", "config.yaml"}).find("mistral-7b-predictor.llm.svc.cluster.local"),
            std::string::npos);
}

TEST(BackendTest, ServiceBackendMissingIsUnresolvedUntilItExists) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.StartAgent();
  h.CreateRouter(SimpleRouter());
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "simple", "BackendsResolved") == "False"; }));
  EXPECT_EQ(h.Phase("llm", "simple"), "Degraded");
  h.CreateService("llm", "vllm-qwen");
  EXPECT_TRUE(h.WaitForPhase("llm", "simple", "Running", absl::Seconds(5)));
}

TEST(BackendTest, KServeInstalledLaterIsDetectedAndWatched) {
  AgentHarness h(SimOptions(false, /*kserve=*/false));
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("kserve.yaml"));
  EXPECT_TRUE(WaitFor([&] {
    return StringField(h.Condition("llm", "router-kserve", "BackendsResolved"), {"message"}).find("not installed") !=
           std::string::npos;
  }));
  h.cluster().SetDiscovery(false, true, /*kserve=*/true);
  EXPECT_TRUE(WaitFor([&] { return h.agent().platform() && h.agent().platform()->kserve; }));
  h.CreateInferenceService("llm", "mistral-7b");
  EXPECT_TRUE(h.WaitForPhase("llm", "router-kserve", "Running"));
  std::optional<Json> router = h.Router("llm", "router-kserve");
  EXPECT_EQ(StringField((*router)["status"]["backends"][0], {"endpoint"}),
            "mistral-7b-predictor.llm.svc.cluster.local:8443");
  EXPECT_EQ(StringField((*router)["status"]["backends"][0], {"protocol"}), "https");
}

TEST(WritesTest, ChangingReplicasWritesOnlyTheDeployment) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("gateway-system");
  h.CreateNamespace("models");
  h.CreateGateway("gateway-system", "inference-gateway");
  h.CreateService("models", "vllm-llama");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("gateway.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));
  absl::SleepFor(absl::Milliseconds(300));  // let the last events settle
  h.cluster().ResetCounters();

  MergePatchRouter(h, "llm", "router-gw", {{"spec", {{"replicas", 3}}}});
  ASSERT_TRUE(WaitFor([&] {
    std::optional<Json> r = h.Router("llm", "router-gw");
    return r && IntField(*r, {"status", "readyReplicas"}) == 3 && StringField(*r, {"status", "phase"}) == "Running";
  }));
  absl::SleepFor(absl::Milliseconds(300));
  std::map<std::string, int64_t> writes = h.Writes();
  writes.erase("patch semanticrouters");  // the test's own edit
  writes.erase("patch semanticrouters/status");
  writes.erase("create events");
  writes.erase("patch events");
  EXPECT_EQ(writes, (std::map<std::string, int64_t>{{"apply deployments", 1}})) << Describe(writes);
  std::optional<Json> dep = h.GetKind("Deployment", "llm", "router-gw");
  EXPECT_EQ(IntField(*dep, {"spec", "replicas"}), 3);
}

TEST(WritesTest, SteadyStateWritesNothing) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("gateway-system");
  h.CreateNamespace("models");
  h.CreateGateway("gateway-system", "inference-gateway");
  h.CreateService("models", "vllm-llama");
  h.CreateService("llm", "vllm-qwen");
  h.CreateService("llm", "vllm-qwen-72b");
  h.CreateStorageClass("nfs-client");
  h.CreateSecret("llm", "redis-credentials", "password", "czNjcjN0");
  RouterAgentOptions options = FastAgentOptions();
  options.resync_period = absl::Seconds(1);  // every object re-delivered every second
  h.StartAgent(options);
  h.CreateRouter(SimpleRouter());
  h.CreateRouter(AgentHarness::Sample("gateway.yaml"));
  h.CreateRouter(AgentHarness::Sample("ha-autoscaling.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "simple", "Running"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-ha", "Running"));
  absl::SleepFor(absl::Milliseconds(500));
  h.cluster().ResetCounters();
  const int64_t reconciles_before = h.agent().stats().reconciles;

  absl::SleepFor(absl::Seconds(12));
  EXPECT_EQ(h.cluster().counters().writes(), 0) << Describe(h.Writes());
  // Resync really ran the reconciler during that time.
  EXPECT_GE(h.agent().stats().reconciles - reconciles_before, 15);
}

TEST(WritesTest, HpaScalingIsLeftAloneButReplicaDriftIsRepairedWithoutHpa) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen-72b");
  h.CreateService("llm", "vllm-qwen");
  h.CreateStorageClass("nfs-client");
  h.CreateSecret("llm", "redis-credentials", "password", "czNjcjN0");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("ha-autoscaling.yaml"));
  h.CreateRouter(SimpleRouter());
  ASSERT_TRUE(h.WaitForPhase("llm", "router-ha", "Running"));
  ASSERT_TRUE(h.WaitForPhase("llm", "simple", "Running"));

  // The HPA scales router-ha to 7 (an update by another field manager).
  std::optional<Json> dep = h.GetKind("Deployment", "llm", "router-ha");
  ASSERT_TRUE(dep);
  Json scaled = *dep;
  scaled["spec"]["replicas"] = 7;
  kube::WriteOptions hpa;
  hpa.field_manager = "kube-controller-manager";
  absl::StatusOr<Json> updated =
      h.client().Update(AgentHarness::KindRef("Deployment").WithNamespace("llm").WithName("router-ha"), scaled, hpa);
  ASSERT_TRUE(updated.ok()) << updated.status();
  // Also a `kubectl rollout restart` of the same Deployment.
  absl::StatusOr<Json> restarted = h.client().MergePatch(
      AgentHarness::KindRef("Deployment").WithNamespace("llm").WithName("router-ha"),
      {{"spec", {{"template", {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt",
                                                              "2024-05-01T12:00:00Z"}}}}}}}}}});
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  // The router follows the HPA: desired is the Deployment's current scale.
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> r = h.Router("llm", "router-ha");
    return r && IntField(*r, {"status", "readyReplicas"}) == 7 && StringField(*r, {"status", "phase"}) == "Running";
  }));
  absl::SleepFor(absl::Seconds(1));
  dep = h.GetKind("Deployment", "llm", "router-ha");
  EXPECT_EQ(IntField(*dep, {"spec", "replicas"}), 7);
  EXPECT_EQ(StringField(*dep, {"spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"}),
            "2024-05-01T12:00:00Z");

  // Without an HPA, replicas are the agent's: `kubectl scale` is undone.
  h.cluster().ResetCounters();
  absl::StatusOr<Json> drift = h.client().MergePatch(
      AgentHarness::KindRef("Deployment").WithNamespace("llm").WithName("simple"), {{"spec", {{"replicas", 4}}}});
  ASSERT_TRUE(drift.ok()) << drift.status();
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> d = h.GetKind("Deployment", "llm", "simple");
    return d && IntField(*d, {"spec", "replicas"}) == 1;
  }));
}

TEST(PruneTest, DisablingHpaAndIngressDeletesThem) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen-72b");
  h.CreateStorageClass("nfs-client");
  h.CreateSecret("llm", "redis-credentials", "password", "czNjcjN0");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("ha-autoscaling.yaml"));
  ASSERT_TRUE(h.WaitForPhase("llm", "router-ha", "Running"));
  ASSERT_TRUE(h.GetKind("HorizontalPodAutoscaler", "llm", "router-ha"));
  ASSERT_TRUE(h.GetKind("Ingress", "llm", "router-ha"));
  ASSERT_TRUE(h.GetKind("PodDisruptionBudget", "llm", "router-ha"));
  MergePatchRouter(h, "llm", "router-ha",
                   {{"spec", {{"autoscaling", {{"enabled", false}}}, {"ingress", {{"enabled", false}}},
                              {"replicas", 1}}}});
  EXPECT_TRUE(WaitFor([&] {
    return !h.GetKind("HorizontalPodAutoscaler", "llm", "router-ha") && !h.GetKind("Ingress", "llm", "router-ha") &&
           !h.GetKind("PodDisruptionBudget", "llm", "router-ha");
  }));
  // Replicas are the agent's again once the HPA is gone.
  EXPECT_TRUE(WaitFor([&] {
    std::optional<Json> d = h.GetKind("Deployment", "llm", "router-ha");
    return d && IntField(*d, {"spec", "replicas"}) == 1;
  }));
  EXPECT_TRUE(h.WaitForPhase("llm", "router-ha", "Running"));
}

TEST(DeletionTest, DeletingTheCrRemovesWhatItOwnedAndNothingElse) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen");
  h.StartAgent();
  const Json router = h.CreateRouter(SimpleRouter());
  ASSERT_TRUE(h.WaitForPhase("llm", "simple", "Running"));
  const std::set<std::string> owned = h.OwnedObjects("llm", UidOf(router));
  ASSERT_GE(owned.size(), 5u);
  // Same labels, same namespace, but not created by the agent.
  h.Create(kube::ResourceRef::Core("configmaps"),
           testing::ConfigMap("llm", "simple-notes", {{"note", "mine"}},
                              {{"app.kubernetes.io/instance", "simple"},
                               {"app.kubernetes.io/managed-by", "srfleet"},
                               {"app.kubernetes.io/name", "semantic-router"}}));

  absl::StatusOr<Json> deleted = h.client().Delete(RoutersRef().WithNamespace("llm").WithName("simple"));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(WaitFor([&] { return !h.Router("llm", "simple"); }));
  EXPECT_TRUE(WaitFor([&] { return h.OwnedObjects("llm", UidOf(router)).empty(); }))
      << Describe(h.OwnedObjects("llm", UidOf(router)));
  for (const auto& id : owned) {
    const std::string kind = id.substr(0, id.find('/')), name = id.substr(id.find('/') + 1);
    EXPECT_FALSE(h.GetKind(kind, "llm", name)) << id;
  }
  EXPECT_TRUE(h.GetKind("ConfigMap", "llm", "simple-notes"));
  EXPECT_TRUE(h.GetKind("Service", "llm", "vllm-qwen"));
}

TEST(OwnershipTest, ObjectsTheAgentDidNotCreateAreNeverTakenOver) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen");
  // A ConfigMap with the name the router's config would get, made by a person.
  h.Create(kube::ResourceRef::Core("configmaps"), testing::ConfigMap("llm", "simple-config", {{"mine", "yes"}}));
  h.StartAgent();
  h.CreateRouter(SimpleRouter());
  EXPECT_TRUE(WaitFor([&] {
    return StringField(h.Condition("llm", "simple", "Degraded"), {"reason"}) == "ApplyFailed";
  }));
  EXPECT_NE(StringField(h.Condition("llm", "simple", "Degraded"), {"message"}).find("not created by srfleet"),
            std::string::npos);
  std::optional<Json> cm = h.GetKind("ConfigMap", "llm", "simple-config");
  ASSERT_TRUE(cm);
  EXPECT_EQ(StringField(*cm, {"data", "mine"}), "yes");
  EXPECT_FALSE(FindField(*cm, {"metadata", "ownerReferences"}));
  // The rest of the router is deployed; once the person removes theirs, it converges.
  EXPECT_TRUE(h.GetKind("Deployment", "llm", "simple"));
  ASSERT_TRUE(h.client().Delete(kube::ResourceRef::Core("configmaps", "llm", "simple-config")).ok());
  EXPECT_TRUE(h.WaitForPhase("llm", "simple", "Running", absl::Seconds(15)));
}

TEST(StorageTest, MissingStorageClassSkipsThePvcUntilItExists) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateStorageClass("other");
  h.CreateInferenceService("llm", "granite-8b");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("openshift-route.yaml"));  // wants class gp3-csi
  EXPECT_TRUE(WaitFor([&] { return h.ConditionStatus("llm", "router-ocp", "StorageReady") == "False"; }));
  Json cond = h.Condition("llm", "router-ocp", "StorageReady");
  EXPECT_EQ(StringField(cond, {"reason"}), "StorageClassMissing");
  EXPECT_NE(StringField(cond, {"message"}).find("gp3-csi"), std::string::npos);
  EXPECT_EQ(h.Phase("llm", "router-ocp"), "Degraded");
  // The rest is applied; the PVC is not.
  EXPECT_TRUE(WaitFor([&] { return h.GetKind("Deployment", "llm", "router-ocp").has_value(); }));
  EXPECT_FALSE(h.GetKind("PersistentVolumeClaim", "llm", "router-ocp-models"));
  EXPECT_FALSE(EventsFor(h, "llm", "StorageClassMissing").empty());

  h.CreateStorageClass("gp3-csi");
  EXPECT_TRUE(WaitFor([&] { return h.GetKind("PersistentVolumeClaim", "llm", "router-ocp-models").has_value(); }));
  EXPECT_TRUE(h.WaitForPhase("llm", "router-ocp", "Running"));
}

TEST(StorageTest, NoClassNamedUsesTheClusterDefaultAndNoDefaultIsReported) {
  kubesim::ClusterOptions options = SimOptions();
  AgentHarness h(options);
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen");
  // Remove the bootstrap default class.
  ASSERT_TRUE(h.client().Delete(AgentHarness::KindRef("StorageClass").WithName("standard")).ok());
  h.StartAgent();
  h.CreateRouter(SimpleRouter());
  EXPECT_TRUE(WaitFor([&] {
    return StringField(h.Condition("llm", "simple", "StorageReady"), {"reason"}) == "NoDefaultStorageClass";
  }));
  h.CreateStorageClass("fast", /*is_default=*/true);
  EXPECT_TRUE(h.WaitForPhase("llm", "simple", "Running"));
  EXPECT_NE(StringField(h.Condition("llm", "simple", "StorageReady"), {"message"}).find("fast"), std::string::npos);
}

TEST(SecretTest, MissingSecretHoldsTheConfigBackAndIsReported) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateService("llm", "vllm-qwen-72b");
  h.CreateStorageClass("nfs-client");
  h.StartAgent();
  h.CreateRouter(AgentHarness::Sample("ha-autoscaling.yaml"));
  EXPECT_TRUE(WaitFor([&] {
    return StringField(h.Condition("llm", "router-ha", "Degraded"), {"reason"}) == "SecretNotFound";
  }));
  EXPECT_FALSE(h.GetKind("Secret", "llm", "router-ha-config"));
  h.CreateSecret("llm", "redis-credentials", "password", "czNjcjN0");
  // Secrets are not watched; the timed retry (10 s) picks it up.
  EXPECT_TRUE(h.WaitForPhase("llm", "router-ha", "Running", absl::Seconds(15)));
  std::optional<Json> config = h.GetKind("Secret", "llm", "router-ha-config");
  ASSERT_TRUE(config);
}

TEST(NamespaceTest, WatchingOneNamespaceIgnoresTheOthers) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  h.CreateNamespace("team-b");
  h.CreateNamespace("gateway-system");
  h.CreateService("llm", "vllm-qwen");
  RouterAgentOptions options = FastAgentOptions();
  options.watch_namespace = "llm";
  h.StartAgent(options);
  h.CreateRouter(SimpleRouter());
  Json other = SimpleRouter("elsewhere");
  other["metadata"]["namespace"] = "team-b";
  h.CreateRouter(other);
  // Gateway mode, Gateway and backend in namespaces the agent does not watch:
  // used as given, marked "not verified".
  Json gw = AgentHarness::Sample("gateway.yaml");
  gw["metadata"]["namespace"] = "llm";
  h.CreateRouter(gw);
  EXPECT_TRUE(h.WaitForPhase("llm", "simple", "Running"));
  EXPECT_TRUE(h.WaitForPhase("llm", "router-gw", "Running"));
  EXPECT_EQ(StringField(h.Condition("llm", "router-gw", "GatewayReady"), {"reason"}), "GatewayNotVerified");
  std::optional<Json> r = h.Router("llm", "router-gw");
  EXPECT_NE(StringField((*r)["status"]["backends"][0], {"message"}).find("not verified"), std::string::npos);
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(h.Phase("team-b", "elsewhere"), "");
  EXPECT_FALSE(h.GetKind("Deployment", "team-b", "elsewhere"));
}

TEST(EventsTest, RepeatedProblemsAreAggregated) {
  AgentHarness h;
  ASSERT_TRUE(h.ok());
  h.CreateNamespace("llm");
  RouterAgentOptions options = FastAgentOptions();
  options.reconciler.retry_unresolved = absl::Milliseconds(100);  // many passes
  options.events.min_patch_interval = absl::Milliseconds(500);
  h.StartAgent(options);
  h.CreateRouter(AgentHarness::Sample("kserve.yaml"));
  EXPECT_TRUE(WaitFor([&] {
    std::vector<Json> events = EventsFor(h, "llm", "BackendUnresolved");
    return events.size() == 1 && IntField(events[0], {"count"}) >= 3;
  })) << EventsFor(h, "llm", "BackendUnresolved").size();
  std::vector<Json> events = EventsFor(h, "llm", "BackendUnresolved");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(StringField(events[0], {"type"}), "Warning");
  EXPECT_EQ(StringField(events[0], {"involvedObject", "kind"}), "SemanticRouter");
  EXPECT_EQ(StringField(events[0], {"source", "component"}), "srfleet-agent");
  EXPECT_GT(h.agent().event_stats().suppressed, 0);
  EXPECT_GE(EventsFor(h, "llm", "Created").size(), 4u);
}

}  // namespace
}  // namespace srfleet::agent::e2e
