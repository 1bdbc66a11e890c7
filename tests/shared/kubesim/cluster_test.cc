// Semantics of the simulated API server: CRUD, versions, generation, status
// subresource, optimistic concurrency, validation, selectors, pagination,
// discovery, faults and counters.
#include "shared/kubesim/cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace srfleet::kubesim::testing;

constexpr char kCm[] = "/api/v1/namespaces/default/configmaps";
constexpr char kDeploy[] = "/apis/apps/v1/namespaces/default/deployments";

std::string Deployment(const std::string& name, int replicas = 2, const std::string& image = "nginx:1.25") {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
         R"(","labels":{"app":")" + name + R"("}},"spec":{"replicas":)" + std::to_string(replicas) +
         R"(,"selector":{"matchLabels":{"app":")" + name + R"("}},"template":{"metadata":{"labels":{"app":")" + name +
         R"("}},"spec":{"containers":[{"name":"main","image":")" + image + R"("}]}}}})";
}

int64_t Rv(const Json& obj) { return std::stoll(obj["metadata"]["resourceVersion"].get<std::string>()); }

class ClusterTest : public ::testing::Test {
 protected:
  Cluster c_{TestOptions()};

  Json Create(const std::string& path, const std::string& body, int want = 201) {
    auto r = Call(c_, "POST", path, body);
    EXPECT_EQ(r.status, want) << r.body;
    return BodyOf(r);
  }
  Json CreateCm(const std::string& name, const std::string& extra_meta = "") {
    return Create(kCm, R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + "\"" + extra_meta +
                           R"(},"data":{"k":"v"}})");
  }
  Json Get(const std::string& path, int want = 200) {
    auto r = Call(c_, "GET", path);
    EXPECT_EQ(r.status, want) << r.body;
    return BodyOf(r);
  }
  ApiResponse Merge(const std::string& path, const std::string& patch) {
    return Call(c_, "PATCH", path, patch, "application/merge-patch+json");
  }
  ApiResponse Apply(const std::string& path, const std::string& yaml, const std::string& manager, bool force = false) {
    return Call(c_, "PATCH", path + "?fieldManager=" + manager + (force ? "&force=true" : ""), yaml,
                "application/apply-patch+yaml");
  }
  std::vector<std::string> Names(const Json& list) {
    std::vector<std::string> out;
    for (const auto& i : list["items"]) out.push_back(i["metadata"]["name"]);
    return out;
  }
};

// ---- CRUD and versions ------------------------------------------------------

TEST_F(ClusterTest, CreateGetUpdateDeleteRoundTrip) {
  Json created = CreateCm("a");
  EXPECT_EQ(created["kind"], "ConfigMap");
  EXPECT_EQ(created["apiVersion"], "v1");
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  Json got = Get(std::string(kCm) + "/a");
  EXPECT_EQ(got, created);

  got["data"]["k"] = "v2";
  auto put = Call(c_, "PUT", std::string(kCm) + "/a", got.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  Json updated = BodyOf(put);
  EXPECT_EQ(updated["data"]["k"], "v2");
  EXPECT_GT(Rv(updated), Rv(created));
  EXPECT_EQ(updated["metadata"]["uid"], created["metadata"]["uid"]);
  EXPECT_EQ(updated["metadata"]["creationTimestamp"], created["metadata"]["creationTimestamp"]);

  auto del = Call(c_, "DELETE", std::string(kCm) + "/a");
  ASSERT_EQ(del.status, 200);
  Json status = BodyOf(del);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["status"], "Success");
  EXPECT_EQ(status["details"]["name"], "a");
  EXPECT_EQ(status["details"]["kind"], "configmaps");
  EXPECT_EQ(status["details"]["uid"], created["metadata"]["uid"]);
  Get(std::string(kCm) + "/a", 404);
}

TEST_F(ClusterTest, ResourceVersionIsGlobalAndMonotonic) {
  int64_t before = c_.resource_version();
  Json a = CreateCm("a");
  Json s = Create("/api/v1/namespaces/default/secrets", R"({"metadata":{"name":"s"},"stringData":{"x":"y"}})");
  Json b = CreateCm("b");
  EXPECT_EQ(Rv(a), before + 1);
  EXPECT_EQ(Rv(s), before + 2);
  EXPECT_EQ(Rv(b), before + 3);
  EXPECT_EQ(c_.resource_version(), before + 3);
  // stringData lands base64-encoded in data.
  EXPECT_EQ(s["data"]["x"], "eQ==");
  EXPECT_FALSE(s.contains("stringData"));
  EXPECT_EQ(s["type"], "Opaque");
}

TEST_F(ClusterTest, NoOpUpdateKeepsResourceVersionAndEmitsNothing) {
  Json a = CreateCm("a");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + a["metadata"]["resourceVersion"].get<std::string>(),
        sink);
  auto put = Call(c_, "PUT", std::string(kCm) + "/a", a.dump());
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(Rv(BodyOf(put)), Rv(a));
  auto patch = Merge(std::string(kCm) + "/a", R"({"data":{"k":"v"}})");
  EXPECT_EQ(Rv(BodyOf(patch)), Rv(a));
  EXPECT_TRUE(sink->lines().empty());
}

TEST_F(ClusterTest, StaleResourceVersionOnPutAndPatchConflicts) {
  Json a = CreateCm("a");
  ASSERT_EQ(Merge(std::string(kCm) + "/a", R"({"data":{"k":"2"}})").status, 200);
  auto put = Call(c_, "PUT", std::string(kCm) + "/a", a.dump());
  EXPECT_EQ(put.status, 409);
  EXPECT_EQ(BodyOf(put)["reason"], "Conflict");
  auto patch = Merge(std::string(kCm) + "/a",
                     R"({"metadata":{"resourceVersion":")" + a["metadata"]["resourceVersion"].get<std::string>() +
                         R"("},"data":{"k":"3"}})");
  EXPECT_EQ(patch.status, 409);
  // Without a resourceVersion the update is unconditional.
  Json fresh = a;
  fresh["metadata"].erase("resourceVersion");
  fresh["data"]["k"] = "4";
  EXPECT_EQ(Call(c_, "PUT", std::string(kCm) + "/a", fresh.dump()).status, 200);
}

TEST_F(ClusterTest, MissingNamespaceIs404LikeTheRealServer) {
  auto r = Call(c_, "POST", "/api/v1/namespaces/nope/configmaps", R"({"metadata":{"name":"a"}})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"namespaces"},"code":404})"
            "\n");
}

TEST_F(ClusterTest, MissingAndInvalidNamesAre422) {
  auto r = Call(c_, "POST", kCm, R"({"metadata":{}})");
  EXPECT_EQ(r.status, 422);
  Json s = BodyOf(r);
  EXPECT_EQ(s["message"],
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required");
  EXPECT_EQ(s["details"]["causes"][0]["reason"], "FieldValueRequired");
  EXPECT_FALSE(s["details"].contains("name"));

  r = Call(c_, "POST", kCm, R"({"metadata":{"name":"Bad_Name"}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(),
              HasSubstr("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of"));
  r = Call(c_, "POST", "/api/v1/namespaces/default/services",
           R"({"metadata":{"name":"1svc"},"spec":{"ports":[{"port":80}]}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(), HasSubstr("a DNS-1035 label must consist of"));
  r = Call(c_, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"a.b"}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(), HasSubstr("a lowercase RFC 1123 label must consist of"));
}

TEST_F(ClusterTest, GenerateNameAppendsFiveCharacters) {
  Json a = Create(kCm, R"({"metadata":{"generateName":"cfg-"}})");
  EXPECT_TRUE(std::regex_match(a["metadata"]["name"].get<std::string>(), std::regex("cfg-[bcdfghjklmnpqrstvwxz2456789]{5}")));
  EXPECT_EQ(a["metadata"]["generateName"], "cfg-");
}

TEST_F(ClusterTest, BodyAndUrlMustAgree) {
  CreateCm("a");
  auto r = Call(c_, "PUT", std::string(kCm) + "/a", R"({"metadata":{"name":"b"},"data":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"], "the name of the object (b) does not match the name on the URL (a)");
  r = Call(c_, "POST", kCm, R"({"metadata":{"name":"x","namespace":"kube-system"}})");
  EXPECT_EQ(r.status, 400);
  r = Call(c_, "POST", kCm, R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 400);
  r = Call(c_, "POST", kCm, R"({not json)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["reason"], "BadRequest");
}

TEST_F(ClusterTest, CreateAcceptsYamlBodies) {
  auto r = Call(c_, "POST", kCm, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\ndata:\n  a: b\n",
                "application/yaml");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(BodyOf(r)["data"]["a"], "b");
}

// ---- generation and status subresource ---------------------------------------

TEST_F(ClusterTest, GenerationBumpsOnlyOnSpecChanges) {
  Json d = Create(kDeploy, Deployment("web"));
  EXPECT_EQ(d["metadata"]["generation"], 1);
  std::string path = std::string(kDeploy) + "/web";
  Json labeled = BodyOf(Merge(path, R"({"metadata":{"labels":{"extra":"1"}}})"));
  EXPECT_EQ(labeled["metadata"]["generation"], 1);
  Json scaled = BodyOf(Merge(path, R"({"spec":{"replicas":3}})"));
  EXPECT_EQ(scaled["metadata"]["generation"], 2);
  // Deployments also track annotations (they are copied to ReplicaSets).
  Json annotated = BodyOf(Merge(path, R"({"metadata":{"annotations":{"a":"b"}}})"));
  EXPECT_EQ(annotated["metadata"]["generation"], 3);
  // ConfigMaps have no generation at all.
  EXPECT_FALSE(CreateCm("a")["metadata"].contains("generation"));
}

TEST_F(ClusterTest, StatusSubresourceIsIsolated) {
  Create(kDeploy, Deployment("web"));
  std::string path = std::string(kDeploy) + "/web";
  Json live = Get(path);
  // Status written through the main resource is ignored.
  Json edited = live;
  edited["status"]["replicas"] = 99;
  Json after_main = BodyOf(Call(c_, "PUT", path, edited.dump()));
  EXPECT_NE(after_main["status"]["replicas"], 99);
  // Spec written through /status is ignored; status is taken.
  Json s = Get(path);
  s["spec"]["replicas"] = 7;
  s["status"]["replicas"] = 42;
  auto r = Call(c_, "PUT", path + "/status", s.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json after_status = BodyOf(r);
  EXPECT_EQ(after_status["spec"]["replicas"], 2);
  EXPECT_EQ(after_status["status"]["replicas"], 42);
  EXPECT_EQ(after_status["metadata"]["generation"], live["metadata"]["generation"]);
  // Status patches are counted with their subresource.
  Merge(path + "/status", R"({"status":{"replicas":1}})");
  EXPECT_EQ(c_.counters().by_verb_resource["patch deployments/status"], 1);
  EXPECT_EQ(c_.counters().by_verb_resource["update deployments/status"], 1);
}

TEST_F(ClusterTest, DeploymentsGetServerDefaults) {
  Json d = Create(kDeploy, Deployment("web"));
  EXPECT_EQ(d["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(d["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);
  Json c = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_TRUE(d["spec"]["template"]["metadata"]["creationTimestamp"].is_null());
  EXPECT_EQ(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
}

TEST_F(ClusterTest, DeploymentValidationMatchesServerMessages) {
  std::string bad = Deployment("web");
  bad = std::regex_replace(bad, std::regex(R"("template":\{"metadata":\{"labels":\{"app":"web"\}\})"),
                           R"("template":{"metadata":{"labels":{"app":"other"}})");
  auto r = Call(c_, "POST", kDeploy, bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["message"],
            "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`");
  EXPECT_EQ(BodyOf(r)["details"]["group"], "apps");
  r = Call(c_, "POST", kDeploy, Deployment("web", 1, ""));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(),
              HasSubstr("spec.template.spec.containers[0].image: Required value"));
  r = Call(c_, "POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
           R"({"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":3,"maxReplicas":2}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(BodyOf(r)["message"].get<std::string>(),
              HasSubstr("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"));
}

TEST_F(ClusterTest, ServicesGetClusterIpAndPortDefaults) {
  Json s = Create("/api/v1/namespaces/default/services",
                  R"({"metadata":{"name":"svc"},"spec":{"selector":{"app":"x"},"ports":[{"name":"http","port":80}]}})");
  EXPECT_TRUE(std::regex_match(s["spec"]["clusterIP"].get<std::string>(), std::regex(R"(10\.96\.\d+\.\d+)")));
  EXPECT_EQ(s["spec"]["clusterIPs"][0], s["spec"]["clusterIP"]);
  EXPECT_EQ(s["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(s["spec"]["ports"][0]["targetPort"], 80);
  EXPECT_EQ(s["spec"]["type"], "ClusterIP");
  // An update without clusterIP keeps the allocated one.
  Json edited = s;
  edited["spec"].erase("clusterIP");
  edited["spec"].erase("clusterIPs");
  Json after = BodyOf(Call(c_, "PUT", "/api/v1/namespaces/default/services/svc", edited.dump()));
  EXPECT_EQ(after["spec"]["clusterIP"], s["spec"]["clusterIP"]);
  // Services answer DELETE with the object (ReturnDeletedObject).
  Json deleted = BodyOf(Call(c_, "DELETE", "/api/v1/namespaces/default/services/svc"));
  EXPECT_EQ(deleted["kind"], "Service");
}

TEST_F(ClusterTest, PvcGetsDefaultStorageClass) {
  Json p = Create("/api/v1/namespaces/default/persistentvolumeclaims",
                  R"({"metadata":{"name":"p"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}})");
  EXPECT_EQ(p["spec"]["storageClassName"], "standard");
  EXPECT_EQ(p["status"]["phase"], "Pending");
}

// ---- deployment controller ------------------------------------------------------

TEST_F(ClusterTest, DeploymentControllerReportsReadiness) {
  Create(kDeploy, Deployment("web", 3));
  Json d = Get(std::string(kDeploy) + "/web");
  Json st = d["status"];
  EXPECT_EQ(st["observedGeneration"], 1);
  EXPECT_EQ(st["replicas"], 3);
  EXPECT_EQ(st["updatedReplicas"], 3);
  EXPECT_EQ(st["readyReplicas"], 3);
  EXPECT_EQ(st["availableReplicas"], 3);
  EXPECT_EQ(st["conditions"][0]["type"], "Available");
  EXPECT_EQ(st["conditions"][0]["status"], "True");
  EXPECT_EQ(st["conditions"][1]["type"], "Progressing");
  EXPECT_EQ(st["conditions"][1]["reason"], "NewReplicaSetAvailable");
  bool controller_owns_status = false;
  for (const auto& mf : d["metadata"]["managedFields"]) {
    if (mf["manager"] == "kube-controller-manager" && mf.value("subresource", "") == "status") {
      controller_owns_status = true;
    }
  }
  EXPECT_TRUE(controller_owns_status);
  // Controller writes are not client requests.
  EXPECT_EQ(c_.counters().writes(), 1);
}

TEST_F(ClusterTest, HeldReadinessKeepsDeploymentsUnreadyUntilReleased) {
  c_.HoldReadiness(true);
  Create(kDeploy, Deployment("web", 2));
  Json st = Get(std::string(kDeploy) + "/web")["status"];
  EXPECT_EQ(st["replicas"], 2);
  EXPECT_EQ(st.value("readyReplicas", 0), 0);
  EXPECT_EQ(st.value("availableReplicas", 0), 0);
  EXPECT_EQ(st["unavailableReplicas"], 2);
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["reason"], "MinimumReplicasUnavailable");

  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kDeploy) + "?watch=1&resourceVersion=" + std::to_string(c_.resource_version()), sink);
  c_.HoldReadiness(false);
  st = Get(std::string(kDeploy) + "/web")["status"];
  EXPECT_EQ(st["readyReplicas"], 2);
  EXPECT_EQ(st["availableReplicas"], 2);
  EXPECT_FALSE(st.contains("unavailableReplicas"));
  EXPECT_EQ(st["conditions"][0]["status"], "True");
  ASSERT_EQ(sink->events().size(), 1u);
  EXPECT_EQ(sink->events()[0]["type"], "MODIFIED");
}

// ---- selectors and lists ----------------------------------------------------

TEST_F(ClusterTest, LabelSelectorsFollowKubernetesSemantics) {
  CreateCm("a", R"(,"labels":{"app":"web","tier":"front"})");
  CreateCm("b", R"(,"labels":{"app":"db","tier":"back"})");
  CreateCm("c", R"(,"labels":{"app":"web"})");
  CreateCm("d");
  auto list = [&](const std::string& sel) { return Names(Get(std::string(kCm) + "?labelSelector=" + sel)); };
  EXPECT_THAT(list("app%3Dweb"), ElementsAre("a", "c"));
  EXPECT_THAT(list("app==web"), ElementsAre("a", "c"));
  EXPECT_THAT(list("app!=web"), ElementsAre("b", "d"));
  EXPECT_THAT(list("app+in+(web,db)"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(list("app%20notin%20(web)"), ElementsAre("b", "d"));
  EXPECT_THAT(list("tier"), ElementsAre("a", "b"));
  EXPECT_THAT(list("!tier"), ElementsAre("c", "d"));
  EXPECT_THAT(list("app=web,tier=front"), ElementsAre("a"));
  auto bad = Call(c_, "GET", std::string(kCm) + "?labelSelector=app%3D%3D%3Dx");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(BodyOf(bad)["message"].get<std::string>(), HasSubstr("unable to parse requirement"));
}

TEST_F(ClusterTest, FieldSelectorsAndAllNamespaceLists) {
  CreateCm("a");
  CreateCm("b");
  Create("/api/v1/namespaces/kube-system/configmaps", R"({"metadata":{"name":"a"}})");
  EXPECT_THAT(Names(Get(std::string(kCm) + "?fieldSelector=metadata.name%3Db")), ElementsAre("b"));
  Json all = Get("/api/v1/configmaps");
  EXPECT_EQ(all["items"].size(), 3u);
  EXPECT_EQ(all["items"][0]["metadata"]["namespace"], "default");
  EXPECT_EQ(all["items"][2]["metadata"]["namespace"], "kube-system");
  EXPECT_EQ(Get("/api/v1/configmaps?fieldSelector=metadata.namespace!%3Ddefault")["items"].size(), 1u);
  auto bad = Call(c_, "GET", std::string(kCm) + "?fieldSelector=spec.foo%3Dx");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(BodyOf(bad)["message"], "field label not supported: spec.foo");
}

TEST_F(ClusterTest, PaginationIsCompleteAndConsistent) {
  for (int i = 0; i < 25; ++i) CreateCm("cm-" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  std::vector<std::string> seen;
  std::string cont;
  std::string list_rv;
  int pages = 0;
  std::vector<int64_t> remaining;
  do {
    Json page = Get(std::string(kCm) + "?limit=10" + (cont.empty() ? "" : "&continue=" + cont));
    ++pages;
    if (list_rv.empty()) list_rv = page["metadata"]["resourceVersion"];
    EXPECT_EQ(page["metadata"]["resourceVersion"], list_rv);  // one snapshot across pages
    for (auto& n : Names(page)) seen.push_back(n);
    cont = page["metadata"].value("continue", "");
    if (page["metadata"].contains("remainingItemCount")) remaining.push_back(page["metadata"]["remainingItemCount"]);
    if (pages == 1) {
      // Changes after the first page do not show in later pages.
      ASSERT_EQ(Call(c_, "DELETE", std::string(kCm) + "/cm-24").status, 200);
      CreateCm("cm-99");
    }
  } while (!cont.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
  EXPECT_EQ(seen.back(), "cm-24");
  EXPECT_THAT(remaining, ElementsAre(15, 5));
  // A fresh list sees the changes.
  EXPECT_THAT(Names(Get(kCm)), Contains("cm-99"));
}

TEST_F(ClusterTest, ExpiredContinueTokenAndOldResourceVersionAre410) {
  ClusterOptions o = TestOptions();
  o.watch_cache_events = 4;
  Cluster small(o);
  for (int i = 0; i < 3; ++i) Call(small, "POST", kCm, R"({"metadata":{"name":"c)" + std::to_string(i) + "\"}}");
  Json page = BodyOf(Call(small, "GET", std::string(kCm) + "?limit=1"));
  for (int i = 0; i < 6; ++i) Call(small, "POST", kCm, R"({"metadata":{"name":"x)" + std::to_string(i) + "\"}}");
  auto r = Call(small, "GET", std::string(kCm) + "?limit=1&continue=" + page["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(BodyOf(r)["reason"], "Expired");
  // The fresh token (rv -1) continues inconsistently but works.
  auto next = Call(small, "GET", std::string(kCm) + "?limit=1&continue=" +
                                     BodyOf(r)["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(Names(BodyOf(next))[0], "c1");
  r = Call(small, "GET", std::string(kCm) + "?resourceVersion=2&resourceVersionMatch=Exact");
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(BodyOf(r)["message"], "The resourceVersion for the provided list is too old.");
  r = Call(small, "GET", std::string(kCm) + "?resourceVersion=999999");
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(BodyOf(r)["reason"], "Timeout");
}

TEST_F(ClusterTest, ExactListAtAnOlderVersionRebuildsTheSnapshot) {
  Json a = CreateCm("a");
  std::string rv = a["metadata"]["resourceVersion"];
  Merge(std::string(kCm) + "/a", R"({"data":{"k":"changed"}})");
  CreateCm("b");
  Json old = Get(std::string(kCm) + "?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
  EXPECT_EQ(old["metadata"]["resourceVersion"], rv);
  EXPECT_THAT(Names(old), ElementsAre("a"));
  EXPECT_EQ(old["items"][0]["data"]["k"], "v");
}

// ---- discovery ----------------------------------------------------------------

TEST_F(ClusterTest, DiscoveryFollowsAddOnFlags) {
  auto groups = [&](Cluster& c) {
    std::vector<std::string> out;
    Json doc = BodyOf(Call(c, "GET", "/apis"));
    for (const auto& g : doc["groups"]) out.push_back(g["name"]);
    return out;
  };
  EXPECT_THAT(groups(c_), Contains("gateway.networking.k8s.io"));
  EXPECT_THAT(groups(c_), Not(Contains("route.openshift.io")));
  EXPECT_THAT(groups(c_), Not(Contains("serving.kserve.io")));
  EXPECT_EQ(Call(c_, "GET", "/apis/route.openshift.io/v1").status, 404);
  EXPECT_EQ(Call(c_, "GET", "/apis/route.openshift.io/v1/namespaces/default/routes").body, "404 page not found\n");

  c_.SetDiscovery(/*openshift=*/true, /*gateway_api=*/false, /*kserve=*/true);
  EXPECT_THAT(groups(c_), Contains("route.openshift.io"));
  EXPECT_THAT(groups(c_), Contains("serving.kserve.io"));
  EXPECT_THAT(groups(c_), Not(Contains("gateway.networking.k8s.io")));
  Json routes = Get("/apis/route.openshift.io/v1");
  EXPECT_EQ(routes["resources"][0]["name"], "routes");
  EXPECT_EQ(routes["resources"][1]["name"], "routes/status");
  Json group = Get("/apis/serving.kserve.io");
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["preferredVersion"]["version"], "v1beta1");

  // Loose stand-ins keep any field and have a status subresource.
  Json route = Create("/apis/route.openshift.io/v1/namespaces/default/routes",
                      R"({"apiVersion":"route.openshift.io/v1","kind":"Route","metadata":{"name":"r"},"spec":{"to":{"kind":"Service","name":"svc"},"anything":{"x":1}},"status":{"ingress":[]}})");
  EXPECT_EQ(route["spec"]["anything"]["x"], 1);
  EXPECT_FALSE(route.contains("status"));
  EXPECT_EQ(route["metadata"]["generation"], 1);
  Json version = Get("/version");
  EXPECT_EQ(version["gitVersion"], "v1.30.2");
  EXPECT_EQ(version["minor"], "30");
}

TEST_F(ClusterTest, UnknownPathsAnswerLikeTheRealServer) {
  auto r = Call(c_, "GET", "/api/v1/namespaces/default/widgets");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyOf(r)["message"], "the server could not find the requested resource");
  r = Call(c_, "GET", "/apis/example.com/v1/things");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  r = Call(c_, "POST", std::string(kCm) + "/a", "{}");
  EXPECT_EQ(r.status, 405);
  CreateCm("a");
  r = Call(c_, "PATCH", std::string(kCm) + "/a", "{}", "text/plain");
  EXPECT_EQ(r.status, 415);
}

// ---- patches -----------------------------------------------------------------

TEST_F(ClusterTest, JsonPatchAndMergePatch) {
  CreateCm("a");
  std::string path = std::string(kCm) + "/a";
  auto r = Call(c_, "PATCH", path,
                R"([{"op":"add","path":"/data/b","value":"2"},{"op":"replace","path":"/data/k","value":"x"},{"op":"remove","path":"/data/b"}])",
                "application/json-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyOf(r)["data"], Json({{"k", "x"}}));
  r = Call(c_, "PATCH", path, R"([{"op":"test","path":"/data/k","value":"nope"}])", "application/json-patch+json");
  EXPECT_EQ(r.status, 422);
  r = Merge(path, R"({"data":{"k":null,"n":"1"}})");
  EXPECT_EQ(BodyOf(r)["data"], Json({{"n", "1"}}));
  r = Call(c_, "PATCH", path, R"({"data":{"s":"1"}})", "application/strategic-merge-patch+json");
  EXPECT_EQ(BodyOf(r)["data"]["s"], "1");
  EXPECT_EQ(Call(c_, "PATCH", std::string(kCm) + "/missing", "{}", "application/merge-patch+json").status, 404);
}

TEST_F(ClusterTest, DryRunChangesNothing) {
  int64_t rv = c_.resource_version();
  auto r = Call(c_, "POST", std::string(kCm) + "?dryRun=All", R"({"metadata":{"name":"dry"}})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(BodyOf(r)["metadata"]["name"], "dry");
  EXPECT_EQ(c_.resource_version(), rv);
  Get(std::string(kCm) + "/dry", 404);
}

// ---- faults and counters ----------------------------------------------------------

TEST_F(ClusterTest, FaultsInjectThrottlingAndServerErrors) {
  FaultPlan plan;
  plan.fail_nth_request = 2;
  plan.fail_status = 429;
  plan.retry_after_seconds = 3;
  c_.SetFaults(plan);
  EXPECT_EQ(Call(c_, "GET", kCm).status, 200);
  auto r = Call(c_, "GET", kCm);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "3");
  EXPECT_EQ(r.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})"
            "\n");
  EXPECT_EQ(Call(c_, "GET", kCm).status, 200);

  plan = FaultPlan();
  plan.fail_fraction = 1.0;
  plan.fail_status = 500;
  plan.added_latency_ms = 250;
  c_.SetFaults(plan);
  EXPECT_EQ(c_.faults().added_latency_ms, 250);
  r = Call(c_, "POST", kCm, R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(BodyOf(r)["reason"], "InternalError");
  Get(std::string(kCm) + "/x", 500);
  plan.fail_fraction = 0.5;
  plan.seed = 7;
  c_.SetFaults(plan);
  int failed = 0;
  for (int i = 0; i < 200; ++i) failed += Call(c_, "GET", kCm).status == 500;
  EXPECT_GT(failed, 60);
  EXPECT_LT(failed, 140);
  c_.SetFaults(FaultPlan());
  EXPECT_EQ(Call(c_, "GET", kCm).status, 200);
}

TEST_F(ClusterTest, CountersByVerbAndResource) {
  c_.ResetCounters();
  CreateCm("a");
  Get(std::string(kCm) + "/a");
  Get(kCm);
  Merge(std::string(kCm) + "/a", R"({"data":{"x":"1"}})");
  Apply(std::string(kCm) + "/b", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n", "mgr");
  Call(c_, "DELETE", std::string(kCm) + "/a");
  Call(c_, "DELETE", kCm);
  Get("/api/v1");
  RequestCounters c = c_.counters();
  EXPECT_EQ(c.by_verb["create"], 1);
  EXPECT_EQ(c.by_verb["get"], 1);
  EXPECT_EQ(c.by_verb["list"], 1);
  EXPECT_EQ(c.by_verb["patch"], 1);
  EXPECT_EQ(c.by_verb["apply"], 1);
  EXPECT_EQ(c.by_verb["delete"], 1);
  EXPECT_EQ(c.by_verb["deletecollection"], 1);
  EXPECT_EQ(c.by_verb_resource["apply configmaps"], 1);
  EXPECT_EQ(c.by_verb_resource["create configmaps"], 1);
  EXPECT_EQ(c.writes(), 5);
  EXPECT_EQ(c.total, 8);
  c_.ResetCounters();
  EXPECT_EQ(c_.counters().total, 0);
}

TEST_F(ClusterTest, ConcurrentWritersGetDistinctVersions) {
  int64_t start = c_.resource_version();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        Call(c_, "POST", kCm, R"({"metadata":{"name":"t)" + std::to_string(t) + "-" + std::to_string(i) + "\"}}");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c_.resource_version(), start + 100);
  std::set<int64_t> rvs;
  Json list = Get(kCm);
  for (const auto& item : list["items"]) rvs.insert(Rv(item));
  EXPECT_EQ(rvs.size(), 100u);
}

TEST_F(ClusterTest, BootstrapCreatesNamespacesAndDefaultStorageClass) {
  EXPECT_THAT(Names(Get("/api/v1/namespaces")), ElementsAre("default", "kube-node-lease", "kube-public", "kube-system"));
  Json sc = Get("/apis/storage.k8s.io/v1/storageclasses/standard");
  EXPECT_EQ(sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"], "true");
  Json ns = Get("/api/v1/namespaces/default");
  EXPECT_EQ(ns["status"]["phase"], "Active");
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "default");
  ClusterOptions o = TestOptions();
  o.bootstrap = false;
  Cluster empty(o);
  EXPECT_EQ(empty.object_count(), 0u);
}

}  // namespace
}  // namespace srfleet::kubesim

namespace srfleet::kubesim {
namespace {

using namespace srfleet::kubesim::testing;

TEST(ClusterEdgeTest, CustomResourcesRefuseUnconditionalUpdates) {
  Cluster c(TestOptions());
  c.SetDiscovery(true, true, false);
  const std::string path = "/apis/route.openshift.io/v1/namespaces/default/routes";
  ASSERT_EQ(Call(c, "POST", path, R"({"metadata":{"name":"r"},"spec":{"host":"a"}})").status, 201);
  auto r = Call(c, "PUT", path + "/r",
                R"({"apiVersion":"route.openshift.io/v1","kind":"Route","metadata":{"name":"r"},"spec":{"host":"b"}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["message"],
            "routes.route.openshift.io \"r\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be "
            "specified for an update");
  EXPECT_EQ(BodyOf(r)["details"]["kind"], "routes");
}

TEST(ClusterEdgeTest, CreateWithResourceVersionIsRefusedLikeEtcdStorage) {
  Cluster c(TestOptions());
  auto r = Call(c, "POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"a","resourceVersion":"12"}})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"resourceVersion should not be set on objects to be created","code":500})"
            "\n");
}

TEST(ClusterEdgeTest, MalformedRequestsNeverCrash) {
  Cluster c(TestOptions());
  const std::string cm = "/api/v1/namespaces/default/configmaps";
  ASSERT_EQ(Call(c, "POST", cm, R"({"metadata":{"name":"a"}})").status, 201);
  const std::vector<std::pair<std::string, std::string>> posts = {
      {"POST", "[]"}, {"POST", "123"}, {"POST", "null"}, {"POST", R"({"metadata":"x"})"},
      {"POST", R"({"metadata":{"name":5}})"}, {"POST", R"({"metadata":{"name":"b","labels":["x"]}})"},
      {"POST", R"({"metadata":{"name":"b","ownerReferences":"x"}})"}, {"POST", R"({"metadata":{"name":"c","finalizers":{}}})"},
      {"POST", "\xff\xfe"}, {"POST", R"({"metadata":{"name":"d"},"data":[1,2]})"}};
  for (const auto& [method, body] : posts) {
    auto r = Call(c, method, cm, body);
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(BodyOf(r).is_object() || r.status == 201) << body << " -> " << r.body;
  }
  for (std::string body : {"[]", "5", R"({"metadata":[]})", R"({"metadata":{"name":"a","finalizers":"x"}})"}) {
    auto r = Call(c, "PUT", cm + "/a", body);
    EXPECT_GE(r.status, 200) << body;
  }
  for (std::string patch : {"[{\"op\":\"add\",\"path\":\"/x/y/z\",\"value\":1}]", "[{\"op\":\"move\"}]",
                                   "[{\"op\":\"remove\",\"path\":\"/metadata/name\"}]", "[1,2]", "{}"}) {
    auto r = Call(c, "PATCH", cm + "/a", patch, "application/json-patch+json");
    EXPECT_GE(r.status, 200) << patch;
  }
  for (std::string yaml : {"- a\n- b\n", "a: [", "apiVersion: v1\nkind: ConfigMap\nmetadata: 3\n",
                                  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: 7\n"}) {
    auto r = Call(c, "PATCH", cm + "/a?fieldManager=m", yaml, "application/apply-patch+yaml");
    EXPECT_GE(r.status, 200) << yaml;
  }
  for (std::string target : {"/", "/api/v1/namespaces/default/configmaps/a/b/c/d", "/apis//v1", "/api/v2",
                                    "/api/v1/namespaces/default/configmaps?limit=abc&continue=%%%",
                                    "/api/v1/namespaces/default/configmaps?continue=bm90IGpzb24",
                                    "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc"}) {
    auto r = Call(c, "GET", target);
    EXPECT_GE(r.status, 200) << target;
  }
  EXPECT_EQ(Call(c, "GET", cm + "/a").status, 200);
}

}  // namespace
}  // namespace srfleet::kubesim

namespace srfleet::kubesim {
namespace {

using namespace srfleet::kubesim::testing;

TEST(ClusterEdgeTest, UnknownFieldsOfBuiltinTypesFollowFieldValidation) {
  Cluster c(TestOptions());
  const std::string cm = "/api/v1/namespaces/default/configmaps";
  auto r = Call(c, "POST", cm, R"({"metadata":{"name":"a","foo":1},"spec":{"x":1},"data":{"k":"v"}})");
  ASSERT_EQ(r.status, 201);
  std::vector<std::string> warnings;
  for (const auto& [k, v] : r.headers) {
    if (k == "Warning") warnings.push_back(v);
  }
  EXPECT_EQ(warnings, (std::vector<std::string>{"299 - \"unknown field \\\"spec\\\"\"",
                                                "299 - \"unknown field \\\"metadata.foo\\\"\""}));
  Json obj = BodyOf(r);
  EXPECT_FALSE(obj.contains("spec"));
  EXPECT_FALSE(obj["metadata"].contains("foo"));
  r = Call(c, "POST", cm + "?fieldValidation=Strict", R"({"metadata":{"name":"b"},"spec":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"],
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field "
            "\"spec\"");
  r = Call(c, "PATCH", cm + "/c?fieldManager=m", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nspec: {}\n",
           "application/apply-patch+yaml");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"],
            "failed to create typed patch object (default/c; /v1, Kind=ConfigMap): .spec: field not declared in schema");
}

}  // namespace
}  // namespace srfleet::kubesim

namespace srfleet::kubesim {
namespace {

using namespace srfleet::kubesim::testing;

TEST(ClusterEdgeTest, NameRulesPerResource) {
  Cluster c(TestOptions());
  auto create = [&](const std::string& path, const std::string& name) {
    return Call(c, "POST", path, R"({"metadata":{"name":")" + name + R"("},"spec":{"ports":[{"port":80}]}})").status;
  };
  const std::string cm = "/api/v1/namespaces/default/configmaps";
  const std::string svc = "/api/v1/namespaces/default/services";
  EXPECT_EQ(create(cm, "a.b-c.d"), 201);   // RFC 1123 subdomain
  EXPECT_EQ(create(cm, "a..b"), 422);
  EXPECT_EQ(create(cm, "-a"), 422);
  EXPECT_EQ(create(cm, "A"), 422);
  EXPECT_EQ(create(cm, std::string(253, 'a')), 201);
  EXPECT_EQ(create(cm, std::string(254, 'a')), 422);
  EXPECT_EQ(create(svc, "a1"), 201);       // RFC 1035 label
  EXPECT_EQ(create(svc, "1a"), 422);
  EXPECT_EQ(create(svc, "a.b"), 422);
  EXPECT_EQ(create("/api/v1/namespaces", "ns-1"), 201);  // RFC 1123 label
  EXPECT_EQ(create("/api/v1/namespaces", "ns-"), 422);
  EXPECT_EQ(create("/api/v1/namespaces", std::string(64, 'n')), 422);
  auto r = Call(c, "POST", cm, R"({"metadata":{"name":"lbl","labels":{"bad key":"v","ok":"bad value"}}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["details"]["causes"].size(), 2u);
  r = Call(c, "POST", cm, R"({"metadata":{"name":"keys"},"data":{"a/b":"x"}})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r)["details"]["causes"][0]["field"], "data[a/b]");
}

}  // namespace
}  // namespace srfleet::kubesim
