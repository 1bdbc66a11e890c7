// Server-side apply and custom resources: field managers, conflicts, no-op
// re-applies, CRD installation (API and InstallCrd), schema validation with
// defaults and CEL, unknown fields and fieldValidation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "shared/json/yaml_codec.h"
#include "shared/kubesim/cluster.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace srfleet::kubesim::testing;

constexpr char kCm[] = "/api/v1/namespaces/default/configmaps";
constexpr char kSr[] = "/apis/vllm.ai/v1alpha1/namespaces/llm/semanticrouters";

constexpr char kRouter[] = R"(apiVersion: vllm.ai/v1alpha1
kind: SemanticRouter
metadata:
  name: simple
  namespace: llm
spec:
  vllmEndpoints:
    - name: qwen
      model: qwen2.5-7b-instruct
      backend:
        type: service
        service:
          name: vllm-qwen
          port: 8000
)";

class ApplyTest : public ::testing::Test {
 protected:
  Cluster c_{TestOptions()};

  ApiResponse Apply(const std::string& path, const std::string& yaml, const std::string& manager, bool force = false) {
    return Call(c_, "PATCH", path + "?fieldManager=" + manager + (force ? "&force=true" : ""), yaml,
                "application/apply-patch+yaml");
  }
  void InstallRouter() {
    ASSERT_TRUE(c_.InstallSemanticRouterCrd().ok());
    ASSERT_EQ(Call(c_, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"llm"}})").status, 201);
  }
  std::vector<std::string> Managers(const Json& obj) {
    std::vector<std::string> out;
    for (const auto& m : obj["metadata"]["managedFields"]) out.push_back(m["manager"]);
    return out;
  }
};

TEST_F(ApplyTest, ApplyCreatesThenNoOpReapplyKeepsVersion) {
  const std::string cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n";
  auto r1 = Apply(std::string(kCm) + "/app", cfg, "agent");
  ASSERT_EQ(r1.status, 201) << r1.body;
  Json created = BodyOf(r1);
  EXPECT_EQ(created["metadata"]["managedFields"][0]["operation"], "Apply");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + std::to_string(c_.resource_version()), sink);
  int64_t rv = c_.resource_version();
  auto r2 = Apply(std::string(kCm) + "/app", cfg, "agent");
  ASSERT_EQ(r2.status, 200);
  EXPECT_EQ(BodyOf(r2)["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  EXPECT_EQ(c_.resource_version(), rv);
  EXPECT_TRUE(sink->lines().empty());
  // JSON bodies are YAML too.
  auto r3 = Apply(std::string(kCm) + "/app", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"a":"2"}})",
                  "agent");
  ASSERT_EQ(r3.status, 200);
  EXPECT_EQ(BodyOf(r3)["data"]["a"], "2");
  EXPECT_EQ(sink->events().size(), 1u);
}

TEST_F(ApplyTest, ConflictsWithoutForceAndForceMovesOwnership) {
  ASSERT_EQ(Apply(std::string(kCm) + "/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n  b: \"1\"\n", "one").status,
            201);
  const std::string theirs = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"2\"\n  b: \"2\"\n";
  auto r = Apply(std::string(kCm) + "/x", theirs, "two");
  EXPECT_EQ(r.status, 409);
  Json s = BodyOf(r);
  EXPECT_EQ(s["reason"], "Conflict");
  EXPECT_EQ(s["message"], "Apply failed with 2 conflicts: conflicts with \"one\":\n- .data.a\n- .data.b");
  ASSERT_EQ(s["details"]["causes"].size(), 2u);
  EXPECT_EQ(s["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(s["details"]["causes"][0]["field"], ".data.a");
  r = Apply(std::string(kCm) + "/x", theirs, "two", /*force=*/true);
  ASSERT_EQ(r.status, 200) << r.body;
  Json obj = BodyOf(r);
  EXPECT_EQ(obj["data"]["a"], "2");
  EXPECT_THAT(Managers(obj), Contains("two"));
  // Fields "one" no longer owns can be dropped by "two".
  r = Apply(std::string(kCm) + "/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"2\"\n", "two");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(BodyOf(r)["data"].contains("b"));
}

TEST_F(ApplyTest, ConflictWithAnUpdateManagerNamesItsVersionAndTime) {
  ASSERT_EQ(Call(c_, "POST", kCm, R"({"metadata":{"name":"x"},"data":{"a":"1"}})", "application/json",
                 "kubectl-create/v1.30")
                .status,
            201);
  auto r = Apply(std::string(kCm) + "/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"2\"\n",
                 "agent");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(BodyOf(r)["message"],
            "Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1 at 2026-11-21T12:00:31Z: .data.a");
}

TEST_F(ApplyTest, ApplyRequiresAFieldManagerAndMatchingIdentity) {
  auto r = Call(c_, "PATCH", std::string(kCm) + "/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
                "application/apply-patch+yaml");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["message"],
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
  r = Apply(std::string(kCm) + "/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n", "m");
  EXPECT_EQ(r.status, 400);
  r = Apply(std::string(kCm) + "/x", "metadata:\n  name: x\n", "m");
  EXPECT_EQ(r.status, 400);
  r = Apply("/api/v1/namespaces/nope/configmaps/x", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "m");
  EXPECT_EQ(r.status, 404);
}

TEST_F(ApplyTest, ApplyToDeploymentsRunsTheController) {
  const std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: nginx:1.25
)";
  auto r = Apply("/apis/apps/v1/namespaces/default/deployments/web", yaml, "agent");
  ASSERT_EQ(r.status, 201) << r.body;
  Json live = BodyOf(Call(c_, "GET", "/apis/apps/v1/namespaces/default/deployments/web"));
  EXPECT_EQ(live["status"]["readyReplicas"], 2);
  c_.ResetCounters();
  // Re-applying the same intent writes nothing, whatever the controller did.
  r = Apply("/apis/apps/v1/namespaces/default/deployments/web", yaml, "agent");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
}

TEST_F(ApplyTest, SemanticRouterCrdIsServedAndValidated) {
  InstallRouter();
  Json crd = BodyOf(Call(c_, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/semanticrouters.vllm.ai"));
  EXPECT_EQ(crd["kind"], "CustomResourceDefinition");
  EXPECT_EQ(crd["spec"]["group"], "vllm.ai");
  EXPECT_EQ(crd["status"]["conditions"][1]["type"], "Established");

  auto r = Call(c_, "POST", kSr, kRouter, "application/yaml");
  ASSERT_EQ(r.status, 201) << r.body;
  Json sr = BodyOf(r);
  EXPECT_EQ(sr["spec"]["replicas"], 1);  // schema default
  EXPECT_EQ(sr["metadata"]["generation"], 1);
  // Custom resources come back with sorted keys, like unstructured objects.
  EXPECT_EQ(TopKeys(sr), (std::vector<std::string>{"apiVersion", "kind", "metadata", "spec"}));
  // Lists of custom resources carry type meta on each item.
  Json list = BodyOf(Call(c_, "GET", kSr));
  EXPECT_EQ(list["kind"], "SemanticRouterList");
  EXPECT_EQ(list["items"][0]["kind"], "SemanticRouter");

  // Spec changes bump the generation, metadata changes do not.
  r = Call(c_, "PATCH", std::string(kSr) + "/simple", R"({"metadata":{"labels":{"a":"b"}}})",
           "application/merge-patch+json");
  EXPECT_EQ(BodyOf(r)["metadata"]["generation"], 1);
  r = Call(c_, "PATCH", std::string(kSr) + "/simple", R"({"spec":{"replicas":3}})", "application/merge-patch+json");
  EXPECT_EQ(BodyOf(r)["metadata"]["generation"], 2);
  // Status is a subresource.
  r = Call(c_, "PATCH", std::string(kSr) + "/simple/status", R"({"status":{"phase":"Running"}})",
           "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["status"]["phase"], "Running");
  EXPECT_EQ(BodyOf(r)["metadata"]["generation"], 2);

  // Schema violations are 422 with field paths.
  r = Call(c_, "PATCH", std::string(kSr) + "/simple", R"({"spec":{"replicas":-1}})", "application/merge-patch+json");
  EXPECT_EQ(r.status, 422);
  Json s = BodyOf(r);
  EXPECT_THAT(s["message"].get<std::string>(), HasSubstr("SemanticRouter.vllm.ai \"simple\" is invalid: spec.replicas"));
  EXPECT_EQ(s["details"]["group"], "vllm.ai");
  EXPECT_EQ(s["details"]["kind"], "SemanticRouter");
  EXPECT_EQ(s["details"]["causes"][0]["field"], "spec.replicas");
}

TEST_F(ApplyTest, CelRulesOfTheCrdAreEnforced) {
  InstallRouter();
  std::string bad = std::string(kRouter) + "  autoscaling:\n    enabled: true\n    minReplicas: 5\n    maxReplicas: 2\n";
  auto r = Call(c_, "POST", kSr, bad, "application/yaml");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(),
              HasSubstr("minReplicas must be less than or equal to maxReplicas"));
}

TEST_F(ApplyTest, UnknownFieldsRefusedOnApplyAndPerFieldValidation) {
  InstallRouter();
  std::string unknown = std::string(kRouter) + "  bogus: 1\n";
  auto r = Apply(std::string(kSr) + "/simple", unknown, "agent");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"],
            "failed to create typed patch object (llm/simple; vllm.ai/v1alpha1, Kind=SemanticRouter): .spec.bogus: "
            "field not declared in schema");
  EXPECT_EQ(BodyOf(r)["reason"], "BadRequest");

  r = Call(c_, "POST", std::string(kSr) + "?fieldValidation=Strict", unknown, "application/yaml");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"],
            "SemanticRouter in version \"v1alpha1\" cannot be handled as a SemanticRouter: strict decoding error: "
            "unknown field \"spec.bogus\"");

  r = Call(c_, "POST", kSr, unknown, "application/yaml");  // default: Warn
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(HeaderOf(r, "Warning"), "299 - \"unknown field \\\"spec.bogus\\\"\"");
  EXPECT_FALSE(BodyOf(r)["spec"].contains("bogus"));

  Call(c_, "DELETE", std::string(kSr) + "/simple");
  r = Call(c_, "POST", std::string(kSr) + "?fieldValidation=Ignore", unknown, "application/yaml");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(HeaderOf(r, "Warning"), "");
  EXPECT_FALSE(BodyOf(r)["spec"].contains("bogus"));

  // A valid apply works and a second identical one is a no-op.
  Call(c_, "DELETE", std::string(kSr) + "/simple");
  r = Apply(std::string(kSr) + "/simple", kRouter, "agent");
  ASSERT_EQ(r.status, 201) << r.body;
  auto again = Apply(std::string(kSr) + "/simple", kRouter, "agent");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(BodyOf(again)["metadata"]["resourceVersion"], BodyOf(r)["metadata"]["resourceVersion"]);
}

TEST_F(ApplyTest, CrdsPostedThroughTheApiBecomeServable) {
  const std::string crd = R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{
          "spec":{"type":"object","properties":{"size":{"type":"integer","minimum":1,"default":3}}},
          "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})";
  auto r = Call(c_, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  ASSERT_EQ(r.status, 201) << r.body;
  Json groups = BodyOf(Call(c_, "GET", "/apis"));
  std::vector<std::string> names;
  for (const auto& g : groups["groups"]) names.push_back(g["name"]);
  EXPECT_THAT(names, Contains("example.com"));
  Json resources = BodyOf(Call(c_, "GET", "/apis/example.com/v1"));
  EXPECT_EQ(resources["resources"][0]["singularName"], "widget");
  EXPECT_EQ(resources["resources"][0]["shortNames"][0], "wd");

  r = Call(c_, "POST", "/apis/example.com/v1/namespaces/default/widgets",
           R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["spec"]["size"], 3);
  r = Call(c_, "POST", "/apis/example.com/v1/namespaces/default/widgets",
           R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w2"},"spec":{"size":0}})");
  EXPECT_EQ(r.status, 422);
  // A bad CRD is refused like the real server does.
  r = Call(c_, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
           R"({"metadata":{"name":"wrong"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},"versions":[{"name":"v1","served":true,"storage":true}]}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(), HasSubstr("must be spec.names.plural+\".\"+spec.group"));

  // Deleting the CRD removes its objects and the API.
  ASSERT_EQ(Call(c_, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status,
            200);
  EXPECT_EQ(Call(c_, "GET", "/apis/example.com/v1/namespaces/default/widgets/w").status, 404);
  EXPECT_EQ(Call(c_, "GET", "/apis/example.com/v1").status, 404);
}

TEST_F(ApplyTest, RealThirdPartyCrdsReplaceTheLooseStandIns) {
  auto path = CrdDir() / "gateway-api" / "gateway.networking.k8s.io_httproutes.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "reference CRDs not found at " << path;
  // The loose stand-in accepts anything.
  const std::string route = R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r"},"spec":{"parentRefs":[{"name":"gw"}],"nonsense":true}})";
  auto r = Call(c_, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", route);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(BodyOf(r)["spec"]["nonsense"]);
  auto doc = ParseYaml(srfleet::testing_support::ReadFile(path));
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE(c_.InstallCrd(*doc).ok());
  // Existing objects survive; new ones follow the real schema (defaults, pruning).
  EXPECT_EQ(Call(c_, "GET", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/r").status, 200);
  r = Call(c_, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes?fieldValidation=Strict",
           std::regex_replace(route, std::regex("\"name\":\"r\""), "\"name\":\"r2\""));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(), HasSubstr("unknown field \"spec.nonsense\""));
  // Served in both versions of the real CRD, answering in the version asked for.
  Json v1beta1 = BodyOf(Call(c_, "GET", "/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/httproutes/r"));
  EXPECT_EQ(v1beta1["apiVersion"], "gateway.networking.k8s.io/v1beta1");
  Json list = BodyOf(Call(c_, "GET", "/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/httproutes"));
  EXPECT_EQ(list["items"][0]["apiVersion"], "gateway.networking.k8s.io/v1beta1");
}

TEST_F(ApplyTest, InstallingTheSameCrdInManyClustersSharesIt) {
  std::vector<std::unique_ptr<Cluster>> clusters;
  for (int i = 0; i < 20; ++i) {
    clusters.push_back(std::make_unique<Cluster>(TestOptions()));
    ASSERT_TRUE(clusters.back()->InstallSemanticRouterCrd().ok());
  }
  size_t bytes = clusters.back()->ApproximateMemoryBytes();
  std::printf("cluster with the SemanticRouter CRD installed: %zu bytes (spec shared)\n", bytes);
  EXPECT_LT(bytes, 100 * 1024u);
  // Reinstalling is an update, not an error.
  EXPECT_TRUE(clusters[0]->InstallSemanticRouterCrd().ok());
}

}  // namespace
}  // namespace srfleet::kubesim

namespace srfleet::kubesim {
namespace {

using namespace srfleet::kubesim::testing;

TEST(ApplyStatusTest, ApplyingStatusTouchesOnlyStatus) {
  Cluster c(TestOptions());
  ASSERT_TRUE(c.InstallSemanticRouterCrd().ok());
  ASSERT_EQ(Call(c, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"llm"}})").status, 201);
  ASSERT_EQ(Call(c, "POST", kSr, kRouter, "application/yaml").status, 201);
  auto r = Call(c, "PATCH", std::string(kSr) + "/simple/status?fieldManager=agent",
                "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata:\n  name: simple\nspec:\n  replicas: 9\n"
                "status:\n  phase: Running\n",
                "application/apply-patch+yaml");
  ASSERT_EQ(r.status, 200) << r.body;
  Json obj = BodyOf(r);
  EXPECT_EQ(obj["status"]["phase"], "Running");
  EXPECT_EQ(obj["spec"]["replicas"], 1);
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  bool status_entry = false;
  for (const auto& m : obj["metadata"]["managedFields"]) {
    if (m["manager"] == "agent" && m.value("subresource", "") == "status") status_entry = true;
  }
  EXPECT_TRUE(status_entry);
  EXPECT_EQ(c.counters().by_verb_resource["apply semanticrouters/status"], 1);
}

TEST(ApplyStatusTest, WireEncodingEscapesLikeGo) {
  Cluster c(TestOptions());
  auto r = Call(c, "POST", kCm, R"({"metadata":{"name":"html"},"data":{"k":"<a&b>"}})");
  ASSERT_EQ(r.status, 201);
  EXPECT_NE(r.body.find(R"("k":"\u003ca\u0026b\u003e")"), std::string::npos) << r.body;
  EXPECT_EQ(BodyOf(r)["data"]["k"], "<a&b>");
}

TEST(ApplyStatusTest, MultiVersionCustomTypesAnswerInTheWatchedVersion) {
  auto path = CrdDir() / "gateway-api" / "gateway.networking.k8s.io_gateways.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "reference CRDs not found";
  Cluster c(TestOptions());
  auto doc = ParseYaml(srfleet::testing_support::ReadFile(path));
  ASSERT_TRUE(doc.ok());
  ASSERT_TRUE(c.InstallCrd(*doc).ok());
  auto sink = std::make_shared<RecordingSink>();
  Watch(c, "/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/gateways?watch=1&allowWatchBookmarks=true"
           "&sendInitialEvents=true",
        sink);
  auto r = Call(c, "POST", "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways",
                R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"gw"},"spec":{"gatewayClassName":"istio","listeners":[{"name":"http","port":80,"protocol":"HTTP"}]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto events = sink->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["apiVersion"], "gateway.networking.k8s.io/v1beta1");
  EXPECT_EQ(events[1]["object"]["apiVersion"], "gateway.networking.k8s.io/v1beta1");
  // Defaults of the real schema were applied (listeners[].allowedRoutes...).
  EXPECT_TRUE(BodyOf(r)["spec"]["listeners"][0].contains("allowedRoutes"));
}

}  // namespace
}  // namespace srfleet::kubesim
