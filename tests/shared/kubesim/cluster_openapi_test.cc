// OpenAPI v3 discovery (/openapi/v3 and its group-version documents): what
// kubectl reads to decide on server-side field validation (fieldValidation on
// each kind's PATCH), patch types and `explain`; compared with kube-apiserver's
// own documents (reference/k8s-openapi-v3) where they exist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "shared/kubesim/cluster.h"
#include "shared/kubesim/openapi_paths.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using namespace srfleet::kubesim::testing;

ApiResponse Get(Cluster& c, const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {},
                const std::string& prefix = "") {
  ApiRequest r;
  r.method = "GET";
  r.target = target;
  r.headers = std::move(headers);
  r.mount_prefix = prefix;
  return c.Handle(r).response;
}

std::vector<std::string> ParamNames(const Json& op) {
  std::vector<std::string> out;
  if (op.contains("parameters")) {
    for (const auto& p : op["parameters"]) out.push_back(p.value("name", ""));
  }
  return out;
}

// Every "$ref" in `v`.
void Refs(const Json& v, std::set<std::string>* out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) out->insert(it->get<std::string>());
      Refs(*it, out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v) Refs(e, out);
  }
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(c_.InstallSemanticRouterCrd().ok()); }

  Json Index(const std::string& prefix = "") {
    auto r = Get(c_, "/openapi/v3", {}, prefix);
    EXPECT_EQ(r.status, 200);
    return BodyOf(r);
  }
  // The document behind the index's link for `gv`.
  Json Document(const std::string& gv) {
    std::string url = Index()["paths"][gv]["serverRelativeURL"];
    auto r = Get(c_, url);
    EXPECT_EQ(r.status, 200) << url;
    return BodyOf(r);
  }

  Cluster c_{TestOptions()};
};

TEST_F(OpenApiTest, IndexLinksEveryServedGroupVersionByContentHash) {
  Json index = Index();
  std::vector<std::string> gvs;
  for (auto it = index["paths"].begin(); it != index["paths"].end(); ++it) gvs.push_back(it.key());
  EXPECT_THAT(gvs, IsSupersetOf({"api/v1", "apis/apps/v1", "apis/autoscaling/v2", "apis/networking.k8s.io/v1",
                                 "apis/policy/v1", "apis/storage.k8s.io/v1", "apis/coordination.k8s.io/v1",
                                 "apis/apiextensions.k8s.io/v1", "apis/vllm.ai/v1alpha1"}));
  EXPECT_TRUE(std::is_sorted(gvs.begin(), gvs.end()));  // Go map order
  const std::regex link("/openapi/v3/(api/v1|apis/[a-z0-9.\\-]+/[a-z0-9]+)\\?hash=[0-9A-F]{64}");
  for (const auto& gv : gvs) {
    std::string url = index["paths"][gv]["serverRelativeURL"];
    EXPECT_TRUE(std::regex_match(url, link)) << url;
    auto r = Get(c_, url);
    ASSERT_EQ(r.status, 200) << url;
    // The hash is the ETag of exactly that content; with the hash named, the
    // answer may be cached forever, like kube-apiserver's.
    EXPECT_EQ(HeaderOf(r, "Etag"), "\"" + url.substr(url.find("hash=") + 5) + "\"");
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, immutable");
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json");
    EXPECT_FALSE(HeaderOf(r, "Expires").empty());
    EXPECT_EQ(BodyOf(r)["openapi"], "3.0.0");
  }
}

TEST_F(OpenApiTest, LinksKeepTheMountPrefixSoEachClusterAnswersForItself) {
  // client-go requests serverRelativeURL as an absolute path.
  Json index = Index("/clusters/sim-3");
  std::string url = index["paths"]["api/v1"]["serverRelativeURL"];
  EXPECT_EQ(url.rfind("/clusters/sim-3/openapi/v3/api/v1?hash=", 0), 0u) << url;
}

TEST_F(OpenApiTest, StaleHashRedirectsIfNoneMatchAndUnknownGroupVersion) {
  auto r = Get(c_, "/openapi/v3/apis/apps/v1?hash=0123");
  EXPECT_EQ(r.status, 301);
  std::string location = HeaderOf(r, "Location");
  EXPECT_EQ(location.rfind("/openapi/v3/apis/apps/v1?hash=", 0), 0u);
  std::string etag = HeaderOf(Get(c_, location), "Etag");
  EXPECT_EQ(Get(c_, "/openapi/v3/apis/apps/v1", {{"if-none-match", etag}}).status, 304);
  EXPECT_EQ(Get(c_, "/openapi/v3/apis/nope.io/v1").status, 404);
  EXPECT_EQ(Get(c_, "/openapi/v3/apis/apps/v1", {{"accept", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"}})
                .status,
            406);
}

TEST_F(OpenApiTest, HashFollowsTheServedApis) {
  const std::string before = Index()["paths"]["api/v1"]["serverRelativeURL"];
  EXPECT_EQ(Index()["paths"]["api/v1"]["serverRelativeURL"], before);  // stable
  EXPECT_FALSE(Index()["paths"].contains("apis/route.openshift.io/v1"));
  c_.SetDiscovery(/*openshift=*/true, /*gateway_api=*/true, /*kserve=*/false);
  EXPECT_TRUE(Index()["paths"].contains("apis/route.openshift.io/v1"));
}

TEST_F(OpenApiTest, EveryPatchOperationOffersServerSideFieldValidation) {
  // kubectl's QueryParamVerifierV3: the first PATCH tagged with the kind's
  // GVK must list fieldValidation as a query parameter.
  for (const std::string gv : {"api/v1", "apis/apps/v1", "apis/vllm.ai/v1alpha1", "apis/apiextensions.k8s.io/v1"}) {
    Json doc = Document(gv);
    int patches = 0;
    for (auto it = doc["paths"].begin(); it != doc["paths"].end(); ++it) {
      if (!it->contains("patch")) continue;
      const Json& op = (*it)["patch"];
      ++patches;
      EXPECT_THAT(ParamNames(op), ElementsAre("dryRun", "fieldManager", "fieldValidation", "force")) << it.key();
      for (const auto& p : op["parameters"]) EXPECT_EQ(p["in"], "query");
      ASSERT_TRUE(op.contains("x-kubernetes-group-version-kind")) << it.key();
      EXPECT_TRUE(op["x-kubernetes-group-version-kind"].is_object());
      EXPECT_EQ(op["x-kubernetes-action"], "patch");
      // No strategic merge patch: kubectl then computes it from its built-in
      // types instead of kubesim's field-less schemas (see openapi_paths.cc).
      EXPECT_FALSE(op["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
      EXPECT_TRUE(op["requestBody"]["content"].contains("application/apply-patch+yaml"));
    }
    EXPECT_GT(patches, 0) << gv;
  }
}

TEST_F(OpenApiTest, SemanticRouterDocumentCarriesTheCrdSchema) {
  Json doc = Document("apis/vllm.ai/v1alpha1");
  const std::string ns = "/apis/vllm.ai/v1alpha1/namespaces/{namespace}/semanticrouters";
  EXPECT_TRUE(doc["paths"].contains("/apis/vllm.ai/v1alpha1/semanticrouters"));
  EXPECT_TRUE(doc["paths"].contains(ns));
  EXPECT_TRUE(doc["paths"].contains(ns + "/{name}"));
  EXPECT_TRUE(doc["paths"].contains(ns + "/{name}/status"));
  EXPECT_FALSE(doc["paths"].contains("/apis/vllm.ai/v1alpha1/watch/semanticrouters"));  // CRDs publish none
  const Json& item = doc["paths"][ns + "/{name}"];
  EXPECT_EQ(item["patch"]["operationId"], "patchVllmAiV1alpha1NamespacedSemanticRouter");
  EXPECT_EQ(item["get"]["x-kubernetes-group-version-kind"],
            (Json{{"group", "vllm.ai"}, {"version", "v1alpha1"}, {"kind", "SemanticRouter"}}));
  EXPECT_THAT(ParamNames(item), ElementsAre("name", "namespace", "pretty"));
  EXPECT_THAT(ParamNames(doc["paths"][ns]["post"]), ElementsAre("dryRun", "fieldManager", "fieldValidation"));

  const Json& schemas = doc["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("ai.vllm.v1alpha1.SemanticRouter"));
  const Json& sr = schemas["ai.vllm.v1alpha1.SemanticRouter"];
  EXPECT_EQ(sr["x-kubernetes-group-version-kind"],
            Json::array({Json{{"group", "vllm.ai"}, {"kind", "SemanticRouter"}, {"version", "v1alpha1"}}}));
  // spec and status exactly as the installed CRD declares them.
  Json crd = BodyOf(Call(c_, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/semanticrouters.vllm.ai"));
  const Json& declared = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  EXPECT_EQ(sr["properties"]["spec"], declared["properties"]["spec"]);
  EXPECT_EQ(sr["properties"]["status"], declared["properties"]["status"]);
  EXPECT_EQ(sr["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(sr["properties"]["kind"]["type"], "string");
  EXPECT_EQ(schemas["ai.vllm.v1alpha1.SemanticRouterList"]["x-kubernetes-group-version-kind"][0]["kind"],
            "SemanticRouterList");

  // Every reference resolves inside the document.
  std::set<std::string> refs;
  Refs(doc, &refs);
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind("#/components/schemas/", 0), 0u) << ref;
    EXPECT_TRUE(schemas.contains(ref.substr(21))) << ref;
  }
}

TEST_F(OpenApiTest, BuiltinKindsArePermissiveButTagged) {
  Json doc = Document("apis/apps/v1");
  const Json& dep = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
  EXPECT_EQ(dep["type"], "object");
  EXPECT_EQ(dep["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_EQ(dep["x-kubernetes-group-version-kind"][0]["kind"], "Deployment");
  EXPECT_TRUE(doc["paths"].contains("/apis/apps/v1/"));
  EXPECT_EQ(doc["paths"]["/apis/apps/v1/"]["get"]["operationId"], "getAppsV1APIResources");
  std::set<std::string> refs;
  Refs(doc, &refs);
  for (const auto& ref : refs) EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(21))) << ref;
}

// Paths, operations, operation ids, parameters and GVK tags against the
// 1.26 kube-apiserver documents, for the resources kubesim serves.
TEST_F(OpenApiTest, PathsMatchKubeApiserverForServedResources) {
  const auto dir = srfleet::testing_support::ReferenceDir() / "reference" / "k8s-openapi-v3";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/reference/k8s-openapi-v3 not present";
  int compared = 0;
  for (const std::string gv : {"api/v1", "apis/apps/v1", "apis/autoscaling/v2", "apis/networking.k8s.io/v1",
                               "apis/policy/v1", "apis/storage.k8s.io/v1", "apis/coordination.k8s.io/v1"}) {
    const std::string file = std::regex_replace(gv, std::regex("/"), "__") + ".json";
    Json real = Json::parse(srfleet::testing_support::ReadFile(dir / file), nullptr, false);
    ASSERT_TRUE(real.is_object()) << file;
    Json ours = Document(gv);
    for (auto it = ours["paths"].begin(); it != ours["paths"].end(); ++it) {
      ASSERT_TRUE(real["paths"].contains(it.key())) << gv << " " << it.key();
      const Json& theirs = real["paths"][it.key()];
      for (auto op = it->begin(); op != it->end(); ++op) {
        auto expected = ParamNames(theirs.contains(op.key()) ? theirs[op.key()] : Json::object());
        if (op.key() == "parameters") {
          std::vector<std::string> names;
          for (const auto& p : theirs["parameters"]) names.push_back(p["name"]);
          expected = names;
        }
        // sendInitialEvents arrived in 1.27; the captures are 1.26.
        auto actual = op.key() == "parameters" ? ParamNames(Json{{"parameters", *op}}) : ParamNames(*op);
        actual.erase(std::remove(actual.begin(), actual.end(), "sendInitialEvents"), actual.end());
        EXPECT_EQ(actual, expected) << gv << " " << it.key() << " " << op.key();
        if (op.key() == "parameters") continue;
        ASSERT_TRUE(theirs.contains(op.key())) << it.key() << " " << op.key();
        EXPECT_EQ((*op)["operationId"], theirs[op.key()]["operationId"]);
        EXPECT_EQ((*op)["tags"], theirs[op.key()]["tags"]);
        EXPECT_EQ((*op)["description"], theirs[op.key()]["description"]) << (*op)["operationId"];
        EXPECT_EQ((*op).value("x-kubernetes-action", ""), theirs[op.key()].value("x-kubernetes-action", ""));
        if (theirs[op.key()].contains("x-kubernetes-group-version-kind")) {
          EXPECT_EQ((*op)["x-kubernetes-group-version-kind"], theirs[op.key()]["x-kubernetes-group-version-kind"]);
        }
        // The same parameter text, where both have it.
        for (const auto& p : (*op).value("parameters", Json::array())) {
          for (const auto& q : theirs[op.key()].value("parameters", Json::array())) {
            if (q["name"] == p["name"]) {
              EXPECT_EQ(p, q) << (*op)["operationId"];
            }
          }
        }
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 100);
}

TEST(OpenApiWordsTest, OperationIdSpelling) {
  EXPECT_EQ(GroupWord(""), "core");
  EXPECT_EQ(GroupWord("networking.k8s.io"), "networking");
  EXPECT_EQ(OperationIdWord(GroupWord("rbac.authorization.k8s.io"), true), "RbacAuthorization");
  EXPECT_EQ(OperationIdWord("vllm.ai", true), "VllmAi");
  EXPECT_EQ(OperationIdWord("vllm.ai", false), "vllmAi");
  EXPECT_EQ(OperationIdWord("v1alpha1", true), "V1alpha1");
}

}  // namespace
}  // namespace srfleet::kubesim
