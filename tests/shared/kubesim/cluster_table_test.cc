// Server-side printing: `kubectl get` asks for meta.k8s.io Tables and prints
// what the server sends. Columns of CRD printer columns and of the built-in
// printers, ages rendered by the server, includeObject, negotiation, paging
// and watches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/strings/str_split.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/simple_jsonpath.h"
#include "shared/kubesim/table_columns.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::ElementsAre;
using namespace srfleet::kubesim::testing;

// What kubectl get sends.
constexpr char kKubectlAccept[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
constexpr char kSr[] = "/apis/vllm.ai/v1alpha1/namespaces/llm/semanticrouters";
constexpr char kRouter[] = R"({"apiVersion":"vllm.ai/v1alpha1","kind":"SemanticRouter",
  "metadata":{"name":"simple","namespace":"llm"},
  "spec":{"replicas":2,"vllmEndpoints":[{"name":"qwen","model":"qwen2.5-7b-instruct",
    "backend":{"type":"service","service":{"name":"vllm-qwen","port":8000}}}]}})";

std::vector<std::string> Names(const Json& table, const char* field = "name") {
  std::vector<std::string> out;
  for (const auto& c : table["columnDefinitions"]) out.push_back(c[field].dump());
  return out;
}

class TableTest : public ::testing::Test {
 protected:
  TableTest() : now_(std::make_shared<std::atomic<int64_t>>(1795262431)) {
    ClusterOptions o;
    auto now = now_;
    o.clock = [now] { return std::chrono::system_clock::time_point(std::chrono::seconds(now->load())); };
    c_ = std::make_unique<Cluster>(o);
  }

  void Advance(int64_t seconds) { *now_ += seconds; }

  ApiResponse Get(const std::string& target, const std::string& accept = kKubectlAccept) {
    ApiRequest r;
    r.method = "GET";
    r.target = target;
    r.headers = {{"accept", accept}};
    return c_->Handle(r).response;
  }
  Json GetTable(const std::string& target, const std::string& accept = kKubectlAccept) {
    auto r = Get(target, accept);
    EXPECT_EQ(r.status, 200) << r.body;
    return BodyOf(r);
  }
  void InstallRouter() {
    ASSERT_TRUE(c_->InstallSemanticRouterCrd().ok());
    ASSERT_EQ(Call(*c_, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"llm"}})").status, 201);
    ASSERT_EQ(Call(*c_, "POST", kSr, kRouter).status, 201);
  }

  std::shared_ptr<std::atomic<int64_t>> now_;
  std::unique_ptr<Cluster> c_;
};

TEST_F(TableTest, SemanticRouterColumnsComeFromThePrinterColumns) {
  InstallRouter();
  Advance(5 * 60);
  Json t = GetTable(kSr);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"]["resourceVersion"], BodyOf(Call(*c_, "GET", kSr))["metadata"]["resourceVersion"]);
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Replicas\"", "\"Ready\"", "\"Phase\"", "\"Mode\"", "\"Age\""));
  EXPECT_THAT(Names(t, "type"),
              ElementsAre("\"string\"", "\"integer\"", "\"integer\"", "\"string\"", "\"string\"", "\"date\""));
  EXPECT_THAT(Names(t, "priority"), ElementsAre("0", "0", "0", "0", "1", "0"));
  EXPECT_EQ(t["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(t["columnDefinitions"][1]["description"], "Desired router pods.");
  EXPECT_EQ(t["columnDefinitions"][3]["description"],
            "Custom resource definition column (in JSONPath format): .status.phase");
  ASSERT_EQ(t["rows"].size(), 1u);
  // Missing values are null cells; the age is rendered by the server.
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["simple",2,null,null,null,"5m"])"));
  const Json& obj = t["rows"][0]["object"];
  EXPECT_EQ(obj["kind"], "PartialObjectMetadata");
  EXPECT_EQ(obj["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(obj["metadata"]["name"], "simple");
  EXPECT_FALSE(obj.contains("spec"));

  auto r = Call(*c_, "PATCH", std::string(kSr) + "/simple/status",
                R"({"status":{"readyReplicas":1,"phase":"Running","gatewayMode":"standalone"}})",
                "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body;
  Advance(3 * 3600 + 7 * 60);
  t = GetTable(kSr);
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["simple",2,1,"Running","standalone","3h12m"])"));
}

TEST_F(TableTest, SingleObjectAndIncludeObject) {
  InstallRouter();
  Json obj = BodyOf(Call(*c_, "GET", std::string(kSr) + "/simple"));
  Json t = GetTable(std::string(kSr) + "/simple");
  EXPECT_EQ(t["metadata"], (Json{{"resourceVersion", obj["metadata"]["resourceVersion"]}}));
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "simple");

  t = GetTable(std::string(kSr) + "?includeObject=None");
  EXPECT_TRUE(t["rows"][0]["object"].is_null());
  t = GetTable(std::string(kSr) + "?includeObject=Object");
  EXPECT_EQ(t["rows"][0]["object"], obj);
  auto r = Get(std::string(kSr) + "?includeObject=Everything");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyOf(r)["message"], "unrecognized includeObject value: \"Everything\"");
  // Failures stay Status objects.
  r = Get(std::string(kSr) + "/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyOf(r)["kind"], "Status");
}

TEST_F(TableTest, NegotiationPicksTheFirstClauseTheServerCanProduce) {
  InstallRouter();
  EXPECT_EQ(GetTable(kSr, "application/json")["kind"], "SemanticRouterList");
  EXPECT_EQ(GetTable(kSr, "")["kind"], "SemanticRouterList");
  Json beta = GetTable(kSr, "application/json;as=Table;v=v1beta1;g=meta.k8s.io");
  EXPECT_EQ(beta["apiVersion"], "meta.k8s.io/v1beta1");
  EXPECT_EQ(beta["rows"][0]["object"]["apiVersion"], "meta.k8s.io/v1beta1");
  EXPECT_EQ(GetTable(kSr, "application/json;as=Table;v=v9;g=meta.k8s.io, application/json")["kind"],
            "SemanticRouterList");
  EXPECT_EQ(GetTable(kSr, "application/json, application/json;as=Table;v=v1;g=meta.k8s.io")["kind"],
            "SemanticRouterList");
  EXPECT_EQ(GetTable(kSr, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json")["kind"],
            "SemanticRouterList");
}

TEST_F(TableTest, PagingMetadataAndEmptyLists) {
  InstallRouter();
  std::string second = std::string(kRouter);
  second.replace(second.find("\"simple\""), 8, "\"second\"");
  ASSERT_EQ(Call(*c_, "POST", kSr, second).status, 201);
  Json t = GetTable(std::string(kSr) + "?limit=1");
  EXPECT_EQ(t["rows"].size(), 1u);
  EXPECT_TRUE(t["metadata"].contains("continue"));
  EXPECT_EQ(t["metadata"]["remainingItemCount"], 1);
  Json rest = GetTable(std::string(kSr) + "?limit=1&continue=" + t["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(rest["rows"][0]["cells"][0], "simple");

  Json none = GetTable(std::string(kSr) + "?labelSelector=app%3Dnone");
  EXPECT_TRUE(none["rows"].is_array());
  EXPECT_TRUE(none["rows"].empty());
  // The default convertor (CRD objects) appends to a nil slice.
  none = GetTable("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?labelSelector=app%3Dnone");
  EXPECT_TRUE(none["rows"].is_null());
}

TEST_F(TableTest, BuiltinPrinters) {
  auto r = Call(*c_, "POST", "/apis/apps/v1/namespaces/default/deployments", R"({
    "apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"},
                                     "matchExpressions":[{"key":"tier","operator":"In","values":["b","a"]}]},
      "template":{"metadata":{"labels":{"app":"web","tier":"a"}},
        "spec":{"containers":[{"name":"nginx","image":"nginx:1.25"},{"name":"side","image":"busybox"}]}}}})");
  ASSERT_EQ(r.status, 201) << r.body;
  Advance(90);
  Json t = GetTable("/apis/apps/v1/namespaces/default/deployments");
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Ready\"", "\"Up-to-date\"", "\"Available\"", "\"Age\"",
                                    "\"Containers\"", "\"Images\"", "\"Selector\""));
  EXPECT_THAT(Names(t, "priority"), ElementsAre("0", "0", "0", "0", "0", "1", "1", "1"));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json::parse(R"j(["web","2/2",2,2,"90s","nginx,side","nginx:1.25,busybox","app=web,tier in (a,b)"])j"));

  r = Call(*c_, "POST", "/api/v1/namespaces/default/services", R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":8080}]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string ip = BodyOf(r)["spec"]["clusterIP"];
  t = GetTable("/api/v1/namespaces/default/services/web");
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Type\"", "\"Cluster-IP\"", "\"External-IP\"", "\"Port(s)\"",
                                    "\"Age\"", "\"Selector\""));
  EXPECT_EQ(t["rows"][0]["cells"], (Json::array({"web", "ClusterIP", ip, "<none>", "80/TCP", "0s", "app=web"})));

  ASSERT_EQ(Call(*c_, "POST", "/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"c1"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})")
                .status,
            201);
  t = GetTable("/api/v1/namespaces/default/configmaps");
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Data\"", "\"Age\""));
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["c1",3,"0s"])"));

  t = GetTable("/api/v1/namespaces/default");
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Status\"", "\"Age\""));
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["default","Active","90s"])"));

  t = GetTable("/apis/storage.k8s.io/v1/storageclasses");
  EXPECT_THAT(t["rows"][0]["cells"][0].get<std::string>(), ::testing::EndsWith(" (default)"));
  EXPECT_EQ(t["columnDefinitions"].size(), 6u);
}

TEST_F(TableTest, ObjectsWithoutPrinterGetNameAndCreatedAt) {
  InstallRouter();
  Json t = GetTable("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
  EXPECT_THAT(Names(t), ElementsAre("\"Name\"", "\"Created At\""));
  EXPECT_THAT(Names(t, "type"), ElementsAre("\"string\"", "\"date\""));
  EXPECT_EQ(t["rows"][0]["cells"], Json::parse(R"(["semanticrouters.vllm.ai","2026-11-21T12:00:31Z"])"));
}

TEST_F(TableTest, WatchSendsOneTablePerEventHeadersFirst) {
  InstallRouter();
  const std::string rv = BodyOf(Call(*c_, "GET", kSr))["metadata"]["resourceVersion"];
  auto sink = std::make_shared<RecordingSink>();
  ApiRequest w;
  w.method = "GET";
  w.target = std::string(kSr) + "?watch=true&resourceVersion=" + rv;
  w.headers = {{"accept", kKubectlAccept}};
  HandleResult started = c_->Handle(w, sink);
  ASSERT_TRUE(started.is_watch);
  ASSERT_EQ(Call(*c_, "PATCH", std::string(kSr) + "/simple", R"({"metadata":{"labels":{"a":"b"}}})",
                 "application/merge-patch+json")
                .status,
            200);
  ASSERT_EQ(Call(*c_, "DELETE", std::string(kSr) + "/simple").status, 200);
  auto events = sink->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["kind"], "Table");
  EXPECT_EQ(events[0]["object"]["columnDefinitions"].size(), 6u);
  EXPECT_EQ(events[0]["object"]["rows"][0]["object"]["metadata"]["labels"]["a"], "b");
  EXPECT_EQ(events[1]["type"], "DELETED");
  EXPECT_TRUE(events[1]["object"]["columnDefinitions"].is_null());
  EXPECT_EQ(events[1]["object"]["rows"][0]["cells"][0], "simple");
  started.cancel_watch();

  // Without a stream the events so far come back in the body, converted too.
  ASSERT_EQ(Call(*c_, "POST", kSr, kRouter).status, 201);
  auto r = Get(std::string(kSr) + "?watch=true");
  std::vector<std::string> lines = absl::StrSplit(r.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u);
  Json added = Json::parse(lines[0]);
  EXPECT_EQ(added["type"], "ADDED");
  EXPECT_EQ(added["object"]["kind"], "Table");
  EXPECT_EQ(added["object"]["columnDefinitions"].size(), 6u);
}

TEST(HumanDurationTest, MatchesApimachinery) {
  using std::chrono::seconds;
  EXPECT_EQ(HumanDuration(seconds(-5)), "<invalid>");
  EXPECT_EQ(HumanDuration(seconds(-1)), "0s");
  EXPECT_EQ(HumanDuration(seconds(0)), "0s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(120)), "2m");
  EXPECT_EQ(HumanDuration(seconds(125)), "2m5s");
  EXPECT_EQ(HumanDuration(seconds(600)), "10m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 - 1)), "179m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600)), "3h");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 + 300)), "3h5m");
  EXPECT_EQ(HumanDuration(seconds(8 * 3600 + 300)), "8h");
  EXPECT_EQ(HumanDuration(seconds(48 * 3600)), "2d");
  EXPECT_EQ(HumanDuration(seconds(51 * 3600)), "2d3h");
  EXPECT_EQ(HumanDuration(seconds(8 * 24 * 3600)), "8d");
  EXPECT_EQ(HumanDuration(seconds(2 * 365 * 24 * 3600)), "2y");
  EXPECT_EQ(HumanDuration(seconds((2 * 365 + 5) * 24 * 3600)), "2y5d");
  EXPECT_EQ(HumanDuration(seconds(9LL * 365 * 24 * 3600)), "9y");
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1795262431));
  EXPECT_EQ(AgeSince("2026-11-21T12:00:31Z", t0 + seconds(61)), "61s");
  EXPECT_EQ(AgeSince("2026-11-21T13:00:31+01:00", t0 + seconds(61)), "61s");
  EXPECT_EQ(AgeSince("", t0), "<unknown>");
  EXPECT_EQ(AgeSince("yesterday", t0), "<invalid>");
}

TEST(SimpleJsonPathTest, PrinterColumnPaths) {
  Json obj = Json::parse(R"({"status":{"readyReplicas":3,"ratio":0.25,"big":1e21,
    "conditions":[{"type":"Ready","status":"True"},{"type":"Synced","status":"False"}],
    "labels":{"a.b/c":"x"},"list":["p","q"],"nested":{"z":1,"a":[1,2]}}})");
  auto first = [&](const std::string& path) -> std::string {
    auto p = SimpleJsonPath::Parse(path);
    if (!p.ok()) return "error";
    const Json* v = p->FindFirst(obj);
    return v ? GoPrint(*v) : "none";
  };
  EXPECT_EQ(first(".status.readyReplicas"), "3");
  EXPECT_EQ(first(".status.ratio"), "0.25");
  EXPECT_EQ(first(".status.big"), "1e+21");
  EXPECT_EQ(first(".status.conditions[?(@.type==\"Synced\")].status"), "False");
  EXPECT_EQ(first(".status.conditions[?(@.type=='Ready')].status"), "True");
  EXPECT_EQ(first(".status.conditions[-1].type"), "Synced");
  EXPECT_EQ(first(".status.conditions[*].type"), "Ready");
  EXPECT_EQ(first(".status.labels['a.b/c']"), "x");
  EXPECT_EQ(first(".status.list"), "[p q]");
  EXPECT_EQ(first(".status.nested"), "map[a:[1 2] z:1]");
  EXPECT_EQ(first(".status.missing"), "none");
  EXPECT_EQ(first(".status.conditions[7]"), "none");
  EXPECT_EQ(first("status"), "error");
  EXPECT_EQ(first(".status..readyReplicas"), "error");
}

}  // namespace
}  // namespace srfleet::kubesim
