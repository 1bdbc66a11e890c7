// Behaviour of the renderer, one property per test: platform security
// contexts, standalone vs gateway mode, HPA ownership of replicas, PDB, Route,
// ports, secrets, labels, and the upstream bugs that must stay fixed.
#include "shared/render/renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "shared/json/yaml_codec.h"
#include "tests/shared/render/render_test_util.h"

namespace srfleet::render::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Router(const std::string& spec_body, const std::string& name = "r") {
  return "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {name: " + name +
         ", namespace: ns}\nspec:\n" + spec_body;
}

constexpr char kEndpoint[] = R"(  vllmEndpoints:
    - name: a
      model: m
      backend: {type: service, service: {name: vllm, port: 8000}}
)";

std::vector<std::string> Kinds(const std::vector<Json>& objects) {
  std::vector<std::string> kinds;
  for (const auto& o : objects) kinds.push_back(o["kind"]);
  return kinds;
}

const Json& Container(const Json& deployment, const std::string& name) {
  for (const auto& c : deployment["spec"]["template"]["spec"]["containers"]) {
    if (c["name"] == name) return c;
  }
  static const Json kNull;
  return kNull;
}

TEST(Renderer, DefaultsProduceTheUpstreamObjectSetWithWorkingPorts) {
  auto objects = RenderAll(Router(kEndpoint), Platform::kKubernetes);
  EXPECT_THAT(Kinds(objects), ::testing::ElementsAre("ServiceAccount", "ConfigMap", "ConfigMap",
                                                     "PersistentVolumeClaim", "Deployment", "Service"));
  const Json* svc = FindKind(objects, "Service");
  ASSERT_NE(svc, nullptr);
  std::map<std::string, std::pair<int, int>> ports;
  for (const auto& p : (*svc)["spec"]["ports"]) ports[p["name"]] = {p["port"], p["targetPort"]};
  // Upstream submitted port 0 here and the API server rejected the Service.
  EXPECT_EQ(ports["grpc"], std::make_pair(50051, 50051));
  EXPECT_EQ(ports["api"], std::make_pair(8080, 8080));
  EXPECT_EQ(ports["metrics"], std::make_pair(9190, 9190));
  EXPECT_EQ(ports["envoy-http"], std::make_pair(8801, 8801));
}

TEST(Renderer, TargetPortDefaultsToPortAndTheContainerListensThere) {
  auto objects = RenderAll(Router(std::string(kEndpoint) + "  service: {api: {port: 9000}, metrics: {port: 9300, targetPort: 9301}}\n"),
                           Platform::kKubernetes);
  const Json* svc = FindKind(objects, "Service");
  for (const auto& p : (*svc)["spec"]["ports"]) {
    if (p["name"] == "api") EXPECT_EQ(p["targetPort"], 9000);
    if (p["name"] == "metrics") EXPECT_EQ(p["targetPort"], 9301);
  }
  const Json& router = Container(*FindKind(objects, "Deployment"), "semantic-router");
  std::map<std::string, int> container_ports;
  for (const auto& p : router["ports"]) container_ports[p["name"]] = p["containerPort"];
  EXPECT_EQ(container_ports["api"], 9000);
  EXPECT_EQ(container_ports["metrics"], 9301);
  EXPECT_THAT(router["args"].dump(), HasSubstr("--api-port=9000"));
  EXPECT_THAT(router["args"].dump(), HasSubstr("--metrics-port=9301"));
}

TEST(Renderer, KubernetesSetsFixedUidOpenShiftLeavesItToTheScc) {
  auto k8s = RenderAll(Router(kEndpoint), Platform::kKubernetes);
  auto ocp = RenderAll(Router(kEndpoint), Platform::kOpenShift);
  const Json& k8s_pod = (*FindKind(k8s, "Deployment"))["spec"]["template"]["spec"];
  const Json& ocp_pod = (*FindKind(ocp, "Deployment"))["spec"]["template"]["spec"];
  EXPECT_EQ(k8s_pod["securityContext"]["runAsUser"], 1000);
  EXPECT_EQ(k8s_pod["securityContext"]["fsGroup"], 1000);
  EXPECT_EQ(k8s_pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_FALSE(ocp_pod["securityContext"].contains("runAsUser"));
  EXPECT_FALSE(ocp_pod["securityContext"].contains("fsGroup"));
  for (const Json* pod : {&k8s_pod, &ocp_pod}) {
    for (const char* list : {"containers", "initContainers"}) {
      for (const auto& c : (*pod)[list]) {
        EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false) << c["name"];
        EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json::array({"ALL"})) << c["name"];
      }
    }
  }
  for (const auto& c : ocp_pod["containers"]) EXPECT_FALSE(c["securityContext"].contains("runAsUser"));
}

TEST(Renderer, UserSecurityContextWinsFieldByField) {
  auto objects = RenderAll(
      Router(std::string(kEndpoint) + "  podSecurityContext: {runAsUser: 2000}\n  securityContext: {readOnlyRootFilesystem: true}\n"),
      Platform::kKubernetes);
  const Json& pod = (*FindKind(objects, "Deployment"))["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 2000);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  const Json& router = Container(*FindKind(objects, "Deployment"), "semantic-router");
  EXPECT_EQ(router["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(router["securityContext"]["allowPrivilegeEscalation"], false);
}

TEST(Renderer, GatewayModeHasHttpRouteAndNoEnvoy) {
  auto objects = RenderAll(
      Router(std::string(kEndpoint) + "  gateway: {existingRef: {name: gw, namespace: gateways, sectionName: https}}\n"),
      Platform::kKubernetes);
  const Json* route = FindKind(objects, "HTTPRoute");
  ASSERT_NE(route, nullptr);
  const Json& parent = (*route)["spec"]["parentRefs"][0];
  EXPECT_EQ(parent["name"], "gw");
  EXPECT_EQ(parent["namespace"], "gateways");
  EXPECT_EQ(parent["sectionName"], "https");
  EXPECT_EQ((*route)["spec"]["rules"][0]["backendRefs"][0]["port"], 8080);
  EXPECT_EQ(FindKind(objects, "ConfigMap", "r-envoy-config"), nullptr);
  const Json& deployment = *FindKind(objects, "Deployment");
  EXPECT_TRUE(Container(deployment, "envoy-proxy").is_null());
  EXPECT_THAT(FindKind(objects, "Service")->dump(), Not(HasSubstr("envoy-http")));

  auto standalone = RenderAll(Router(kEndpoint), Platform::kKubernetes);
  EXPECT_EQ(FindKind(standalone, "HTTPRoute"), nullptr);
  EXPECT_FALSE(Container(*FindKind(standalone, "Deployment"), "envoy-proxy").is_null());
}

TEST(Renderer, AutoscalingOwnsReplicas) {
  auto objects = RenderAll(
      Router(std::string(kEndpoint) + "  replicas: 4\n  autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 6}\n"),
      Platform::kKubernetes);
  const Json* hpa = FindKind(objects, "HorizontalPodAutoscaler");
  ASSERT_NE(hpa, nullptr);
  EXPECT_EQ((*hpa)["spec"]["minReplicas"], 2);
  EXPECT_EQ((*hpa)["spec"]["maxReplicas"], 6);
  EXPECT_EQ((*hpa)["spec"]["metrics"][0]["resource"]["name"], "cpu");  // CRD default 80%
  EXPECT_FALSE((*FindKind(objects, "Deployment"))["spec"].contains("replicas"));
  EXPECT_NE(FindKind(objects, "PodDisruptionBudget"), nullptr);

  auto fixed = RenderAll(Router(std::string(kEndpoint) + "  replicas: 4\n"), Platform::kKubernetes);
  EXPECT_EQ((*FindKind(fixed, "Deployment"))["spec"]["replicas"], 4);
  EXPECT_EQ(FindKind(fixed, "HorizontalPodAutoscaler"), nullptr);
}

TEST(Renderer, PdbOnlyWhenMoreThanOneReplicaCanRun) {
  EXPECT_EQ(FindKind(RenderAll(Router(kEndpoint), Platform::kKubernetes), "PodDisruptionBudget"), nullptr);
  auto two = RenderAll(Router(std::string(kEndpoint) + "  replicas: 2\n"), Platform::kKubernetes);
  const Json* pdb = FindKind(two, "PodDisruptionBudget");
  ASSERT_NE(pdb, nullptr);
  EXPECT_EQ((*pdb)["spec"]["maxUnavailable"], 1);
  EXPECT_EQ((*pdb)["spec"]["selector"]["matchLabels"], (*FindKind(two, "Deployment"))["spec"]["selector"]["matchLabels"]);
}

TEST(Renderer, RouteOnlyOnOpenShiftAndPointingAtTheClientPort) {
  std::string spec = std::string(kEndpoint) +
                     "  openshift: {routes: {enabled: true, hostname: r.apps.example.com, tls: {termination: edge}}}\n";
  std::vector<std::string> warnings;
  auto k8s = RenderAll(Router(spec), Platform::kKubernetes, &warnings);
  EXPECT_EQ(FindKind(k8s, "Route"), nullptr);
  EXPECT_THAT(warnings, ::testing::Contains(HasSubstr("not OpenShift")));
  auto ocp = RenderAll(Router(spec), Platform::kOpenShift);
  const Json* route = FindKind(ocp, "Route");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ((*route)["spec"]["host"], "r.apps.example.com");
  EXPECT_EQ((*route)["spec"]["port"]["targetPort"], "envoy-http");
  EXPECT_EQ((*route)["spec"]["tls"]["termination"], "edge");
  EXPECT_EQ((*route)["spec"]["tls"]["insecureEdgeTerminationPolicy"], "Redirect");
}

TEST(Renderer, ProbesHonourHttpGetAndStartupInitialDelay) {
  auto objects = RenderAll(Router(std::string(kEndpoint) +
                                  "  livenessProbe: {httpGet: {path: /health, port: 8080}, periodSeconds: 10}\n"
                                  "  startupProbe: {initialDelaySeconds: 15}\n"),
                           Platform::kKubernetes);
  const Json& router = Container(*FindKind(objects, "Deployment"), "semantic-router");
  EXPECT_EQ(router["livenessProbe"]["httpGet"]["path"], "/health");
  EXPECT_FALSE(router["livenessProbe"].contains("tcpSocket"));
  EXPECT_EQ(router["livenessProbe"]["periodSeconds"], 10);
  EXPECT_EQ(router["startupProbe"]["initialDelaySeconds"], 15);  // upstream ignored it
  EXPECT_EQ(router["startupProbe"]["tcpSocket"]["port"], "grpc");

  auto disabled = RenderAll(Router(std::string(kEndpoint) + "  readinessProbe: {enabled: false}\n"), Platform::kKubernetes);
  EXPECT_FALSE(Container(*FindKind(disabled, "Deployment"), "semantic-router").contains("readinessProbe"));
}

TEST(Renderer, ImageRegistryReplacesTheRepositoryRegistry) {
  auto objects = RenderAll(Router(std::string(kEndpoint) + "  image: {imageRegistry: mirror.example.com, tag: v1}\n"),
                           Platform::kKubernetes);
  EXPECT_EQ(Container(*FindKind(objects, "Deployment"), "semantic-router")["image"],
            "mirror.example.com/vllm-project/semantic-router/extproc:v1");
}

TEST(Renderer, ServiceAccountNotCreatedMeansNamespaceDefault) {
  auto objects = RenderAll(Router(std::string(kEndpoint) + "  serviceAccount: {create: false}\n"), Platform::kKubernetes);
  EXPECT_EQ(FindKind(objects, "ServiceAccount"), nullptr);
  EXPECT_FALSE((*FindKind(objects, "Deployment"))["spec"]["template"]["spec"].contains("serviceAccountName"));
}

TEST(Renderer, PersistenceVariants) {
  auto claim = RenderAll(Router(std::string(kEndpoint) + "  persistence: {existingClaim: shared}\n"), Platform::kKubernetes);
  EXPECT_EQ(FindKind(claim, "PersistentVolumeClaim"), nullptr);
  EXPECT_THAT((*FindKind(claim, "Deployment")).dump(), HasSubstr("\"claimName\":\"shared\""));
  auto none = RenderAll(Router(std::string(kEndpoint) + "  persistence: {enabled: false}\n"), Platform::kKubernetes);
  EXPECT_EQ(FindKind(none, "PersistentVolumeClaim"), nullptr);
  auto defaults = RenderAll(Router(kEndpoint), Platform::kKubernetes);
  const Json* pvc = FindKind(defaults, "PersistentVolumeClaim");
  ASSERT_NE(pvc, nullptr);
  // No class named: the cluster default applies (upstream forced "standard").
  EXPECT_FALSE((*pvc)["spec"].contains("storageClassName"));
  EXPECT_EQ((*pvc)["spec"]["resources"]["requests"]["storage"], "10Gi");
}

TEST(Renderer, SecretBackedConfigNeverLandsInAConfigMap) {
  std::string spec = std::string(kEndpoint) +
                     "  config:\n    response_cache:\n      backend_type: redis\n      redis:\n        connection:\n"
                     "          host: redis\n          password_secret_ref: {name: redis-creds, key: password}\n";
  auto parsed = model::ParseSemanticRouters(Router(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  RenderInput in = InputFor(Platform::kKubernetes);
  in.secret_values[SecretKeyRef{"redis-creds", "password"}] = "s3cr3t-0012";
  auto result = Render(parsed->routers[0], in);
  ASSERT_TRUE(result.ok());
  const Json* secret = FindKind(result->objects, "Secret", "r-config");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(FindKind(result->objects, "ConfigMap", "r-config"), nullptr);
  std::string config_yaml;
  ASSERT_TRUE(absl::Base64Unescape(std::string((*secret)["data"]["config.yaml"]), &config_yaml));
  EXPECT_THAT(config_yaml, HasSubstr("password: s3cr3t-0012"));  // a string, not the number 12
  for (const auto& o : result->objects) {
    if (o["kind"] != "Secret") EXPECT_THAT(o.dump(), Not(HasSubstr("s3cr3t"))) << o["kind"];
  }
  EXPECT_THAT((*FindKind(result->objects, "Deployment")).dump(), HasSubstr("\"secretName\":\"r-config\""));
}

TEST(Renderer, UnresolvedBackendIsLeftOutOfTheConfig) {
  auto parsed = model::ParseSemanticRouters(Router(std::string(kEndpoint) +
                                                   "    - {name: b, model: m2, backend: {type: kserve, inferenceServiceName: x}}\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  RenderInput in = InputFor(Platform::kKubernetes);
  in.backends = {ResolvedBackend{"a", "m", "vllm.ns.svc.cluster.local", 8000, "http", 1}};
  auto result = Render(parsed->routers[0], in);
  ASSERT_TRUE(result.ok());
  std::string config = (*FindKind(result->objects, "ConfigMap", "r-config"))["data"]["config.yaml"];
  EXPECT_THAT(config, HasSubstr("vllm.ns.svc.cluster.local:8000"));
  EXPECT_THAT(config, Not(HasSubstr("x-predictor")));
}

TEST(Renderer, EveryObjectCarriesTheStandardLabelsAndTheRoutersNamespace) {
  auto objects = RenderAll(testing_support::ReadFile(testing_support::SourceDir() / "samples/ha-autoscaling.yaml"),
                           Platform::kOpenShift);
  ASSERT_GE(objects.size(), 7u);
  for (const auto& o : objects) {
    const Json& labels = o["metadata"]["labels"];
    for (const char* key : {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
                            "app.kubernetes.io/component"}) {
      EXPECT_TRUE(labels.contains(key)) << o["kind"] << " lacks " << key;
    }
    EXPECT_EQ(o["metadata"]["namespace"], "llm") << o["kind"];
  }
}

TEST(Renderer, OutputIsIndependentOfUnrelatedKeyOrder) {
  std::string a = Router(std::string(kEndpoint) + "  replicas: 2\n  image: {tag: v1, pullPolicy: Always}\n");
  std::string b = Router("  image: {pullPolicy: Always, tag: v1}\n  replicas: 2\n" + std::string(kEndpoint));
  EXPECT_EQ(ToYamlDocuments(RenderAll(a, Platform::kKubernetes)), ToYamlDocuments(RenderAll(b, Platform::kKubernetes)));
}

TEST(UpstreamSamplesRender, EveryOneRendersOnBothPlatforms) {
  auto files = YamlFilesIn(testing_support::ReferenceDir() / "upstream-samples");
  if (files.empty()) GTEST_SKIP() << "../shared/upstream-samples not present";
  for (const auto& f : files) {
    for (Platform p : {Platform::kKubernetes, Platform::kOpenShift}) {
      auto objects = RenderAll(testing_support::ReadFile(f), p);
      EXPECT_NE(FindKind(objects, "Deployment"), nullptr) << f.filename();
      EXPECT_NE(FindKind(objects, "Service"), nullptr) << f.filename();
    }
  }
}

}  // namespace
}  // namespace srfleet::render::testing
