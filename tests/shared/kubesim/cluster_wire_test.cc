// kubesim against the byte captures of a real kube-apiserver
// (reference/k8s-wire, reference/k8s-discovery): each capture's exchange is
// replayed and the response compared byte for byte where nothing in it is
// time- or uid-dependent, by shape otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "shared/json/yaml_codec.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsSupersetOf;
using namespace srfleet::kubesim::testing;

#define LOAD_OR_SKIP(var, file)                                                   \
  auto var##_opt = LoadCapture(file);                                             \
  if (!var##_opt) GTEST_SKIP() << "reference capture " << file << " not found"; \
  const Capture& var = *var##_opt

class WireTest : public ::testing::Test {
 protected:
  Cluster cluster_{TestOptions()};

  ApiResponse Replay(const Capture& c) {
    return Call(cluster_, c.method, c.target, c.request_body, c.RequestHeader("Content-Type"),
                c.RequestHeader("User-Agent"));
  }
  void CreateConfigMap(const std::string& name, const std::string& data_json = R"({"k":"v1"})") {
    auto r = Call(cluster_, "POST", "/api/v1/namespaces/default/configmaps",
                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("},"data":)" +
                      data_json + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
};

TEST_F(WireTest, NotFoundIsByteIdentical) {
  LOAD_OR_SKIP(c, "404-not-found-get-configmap.txt");
  auto r = Replay(c);
  EXPECT_EQ(r.status, c.status);
  EXPECT_EQ(r.body, c.response_body + "\n");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json");
}

TEST_F(WireTest, AlreadyExistsIsByteIdentical) {
  LOAD_OR_SKIP(c, "409-alreadyexists-post-configmap.txt");
  ASSERT_EQ(Replay(c).status, 201);
  auto r = Replay(c);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, c.response_body + "\n");
}

TEST_F(WireTest, StaleResourceVersionConflictIsByteIdentical) {
  LOAD_OR_SKIP(c, "409-conflict-put-stale-resourceversion.txt");
  // The capture's PUT names resourceVersion 240; make that version stale.
  auto created = Call(cluster_, "POST", "/api/v1/namespaces/default/configmaps",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wire-conflict"},"data":{"k":"v1"}})");
  ASSERT_EQ(created.status, 201);
  auto patched = Call(cluster_, "PATCH", "/api/v1/namespaces/default/configmaps/wire-conflict", R"({"data":{"k":"v2"}})",
                      "application/merge-patch+json", "kubectl-patch/v1.32");
  ASSERT_EQ(patched.status, 200);
  std::string body = c.request_body;
  std::string rv = BodyOf(created)["metadata"]["resourceVersion"];
  body = std::regex_replace(body, std::regex("\"resourceVersion\":\"240\""), "\"resourceVersion\":\"" + rv + "\"");
  auto r = Call(cluster_, c.method, c.target, body);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, c.response_body + "\n");
}

TEST_F(WireTest, InvalidServicePortIsByteIdentical) {
  LOAD_OR_SKIP(c, "422-invalid-post-service-port0.txt");
  auto r = Replay(c);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body, c.response_body + "\n");
}

TEST_F(WireTest, CreateMatchesCapturedShape) {
  LOAD_OR_SKIP(c, "201-created-post-configmap.txt");
  auto r = Replay(c);
  ASSERT_EQ(r.status, 201) << r.body;
  Json got = BodyOf(r), want = Json::parse(c.response_body);
  EXPECT_EQ(TopKeys(got), TopKeys(want));
  EXPECT_EQ(TopKeys(got["metadata"]), TopKeys(want["metadata"]));
  EXPECT_EQ(got["data"], want["data"]);
  ASSERT_EQ(got["metadata"]["managedFields"].size(), 1u);
  Json mf = got["metadata"]["managedFields"][0], wmf = want["metadata"]["managedFields"][0];
  EXPECT_EQ(TopKeys(mf), TopKeys(wmf));
  EXPECT_EQ(mf["manager"], "k8s-wire-capture");  // the User-Agent's product token
  EXPECT_EQ(mf["operation"], "Update");
  EXPECT_EQ(mf["fieldsV1"], wmf["fieldsV1"]);
  EXPECT_TRUE(std::regex_match(got["metadata"]["uid"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(got["metadata"]["resourceVersion"].is_string());
  EXPECT_EQ(got["metadata"]["creationTimestamp"], "2026-11-21T12:00:31Z");
  // Content-Length of the capture counts the trailing newline, as here.
  EXPECT_EQ(r.body.back(), '\n');
}

TEST_F(WireTest, ServerSideApplyCreateConflictAndForceMatchCaptures) {
  LOAD_OR_SKIP(create, "201-ssa-apply-create-fieldmanager-a.txt");
  LOAD_OR_SKIP(conflict, "409-ssa-conflict-fieldmanager-b.txt");
  LOAD_OR_SKIP(force, "200-ssa-apply-force-fieldmanager-b.txt");

  auto r1 = Replay(create);
  ASSERT_EQ(r1.status, 201) << r1.body;
  Json got1 = BodyOf(r1), want1 = Json::parse(create.response_body);
  EXPECT_EQ(TopKeys(got1), TopKeys(want1));
  EXPECT_EQ(TopKeys(got1["metadata"]), TopKeys(want1["metadata"]));
  EXPECT_EQ(got1["data"], want1["data"]);
  EXPECT_EQ(got1["metadata"]["labels"], want1["metadata"]["labels"]);
  Json mf1 = got1["metadata"]["managedFields"], wmf1 = want1["metadata"]["managedFields"];
  ASSERT_EQ(mf1.size(), wmf1.size());
  for (const char* k : {"manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"}) {
    EXPECT_EQ(mf1[0][k], wmf1[0][k]) << k;  // the fixed clock matches the capture's time
  }

  auto r2 = Replay(conflict);
  EXPECT_EQ(r2.status, 409);
  EXPECT_EQ(r2.body, conflict.response_body + "\n");

  auto r3 = Replay(force);
  ASSERT_EQ(r3.status, 200) << r3.body;
  Json got3 = BodyOf(r3), want3 = Json::parse(force.response_body);
  EXPECT_EQ(got3["data"], want3["data"]);
  Json mf3 = got3["metadata"]["managedFields"], wmf3 = want3["metadata"]["managedFields"];
  ASSERT_EQ(mf3.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(mf3[i]["manager"], wmf3[i]["manager"]);
    EXPECT_EQ(mf3[i]["fieldsV1"], wmf3[i]["fieldsV1"]) << i;
  }
  EXPECT_GT(std::stoll(got3["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(got1["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(WireTest, PaginatedListMatchesCapturedShape) {
  LOAD_OR_SKIP(c, "200-list-configmaps-limit1.txt");
  for (const char* n : {"kube-root-ca.crt", "wire-conflict", "wire-ssa", "zz"}) CreateConfigMap(n);
  auto r = Replay(c);
  ASSERT_EQ(r.status, 200);
  Json got = BodyOf(r), want = Json::parse(c.response_body);
  EXPECT_EQ(TopKeys(got), TopKeys(want));
  EXPECT_EQ(TopKeys(got["metadata"]), TopKeys(want["metadata"]));
  EXPECT_EQ(got["kind"], "ConfigMapList");
  EXPECT_EQ(got["metadata"]["remainingItemCount"], want["metadata"]["remainingItemCount"]);
  ASSERT_EQ(got["items"].size(), 1u);
  // Typed list items carry no kind/apiVersion.
  EXPECT_EQ(TopKeys(got["items"][0]), (std::vector<std::string>{"metadata", "data"}));
  // The continue token has the real layout; with the same first key it is
  // the same token up to the resourceVersion.
  std::string raw_got, raw_want;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(got["metadata"]["continue"].get<std::string>(), &raw_got));
  ASSERT_TRUE(absl::WebSafeBase64Unescape(want["metadata"]["continue"].get<std::string>(), &raw_want));
  Json tg = Json::parse(raw_got), tw = Json::parse(raw_want);
  EXPECT_EQ(TopKeys(tg), TopKeys(tw));
  EXPECT_EQ(tg["v"], tw["v"]);
  EXPECT_EQ(tg["start"], tw["start"]);
  EXPECT_EQ(std::to_string(tg["rv"].get<int64_t>()), got["metadata"]["resourceVersion"]);
  auto expected_token_json = R"({"v":"meta.k8s.io/v1","rv":)" + got["metadata"]["resourceVersion"].get<std::string>() +
                             R"(,"start":"kube-root-ca.crt\u0000"})";
  EXPECT_EQ(raw_got, expected_token_json);
}

TEST_F(WireTest, ExpiredContinueTokenMatchesCapture) {
  LOAD_OR_SKIP(c, "410-gone-list-continue-token-expired.txt");
  ClusterOptions o = TestOptions();
  o.watch_cache_events = 5;
  Cluster small(o);
  for (const char* n : {"kube-root-ca.crt", "x1", "x2"}) {
    ASSERT_EQ(Call(small, "POST", "/api/v1/namespaces/default/configmaps",
                   std::string(R"({"metadata":{"name":")") + n + R"("}})")
                  .status,
              201);
  }
  auto page = BodyOf(Call(small, "GET", "/api/v1/namespaces/default/configmaps?limit=1"));
  std::string token = page["metadata"]["continue"];
  for (int i = 0; i < 10; ++i) {
    Call(small, "PATCH", "/api/v1/namespaces/default/configmaps/x1", R"({"data":{"i":")" + std::to_string(i) + "\"}}",
         "application/merge-patch+json");
  }
  auto r = Call(small, "GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + token);
  EXPECT_EQ(r.status, 410);
  Json got = BodyOf(r), want = Json::parse(c.response_body);
  EXPECT_EQ(TopKeys(got), TopKeys(want));
  EXPECT_EQ(got["message"], want["message"]);
  EXPECT_EQ(got["reason"], "Expired");
  EXPECT_EQ(got["code"], 410);
  // The fresh token continues after the same key at rv -1: byte-equal to
  // the capture's, since the first key is the same.
  EXPECT_EQ(got["metadata"]["continue"], want["metadata"]["continue"]);
}

TEST_F(WireTest, TooOldListResourceVersionIsByteIdentical) {
  LOAD_OR_SKIP(c, "410-gone-list-resourceversion-too-old.txt");
  ClusterOptions o = TestOptions();
  o.watch_cache_events = 3;
  Cluster small(o);
  for (int i = 0; i < 5; ++i) {
    Call(small, "POST", "/api/v1/namespaces/default/configmaps",
         R"({"metadata":{"name":"c)" + std::to_string(i) + "\"}}");
  }
  auto r = Call(small, c.method, c.target);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.body, c.response_body + "\n");
}

TEST_F(WireTest, WatchStreamMatchesCapturedEvents) {
  LOAD_OR_SKIP(c, "200-watch-stream-configmaps.txt");
  CreateConfigMap("kube-root-ca.crt", R"({"ca.crt":"x"})");
  CreateConfigMap("wire-conflict");
  auto sink = std::make_shared<RecordingSink>();
  auto w = Watch(cluster_, "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=15",
                 sink);
  ASSERT_TRUE(w.is_watch);
  EXPECT_EQ(w.response.status, 200);
  EXPECT_EQ(HeaderOf(w.response, "Content-Type"), "application/json");
  Call(cluster_, "POST", "/api/v1/namespaces/default/configmaps",
       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wire-watch"},"data":{"a":"1"}})", "application/json",
       "kubectl-create/v1.32");
  Call(cluster_, "PATCH", "/api/v1/namespaces/default/configmaps/wire-watch", R"({"data":{"a":"2"}})",
       "application/merge-patch+json", "kubectl-patch/v1.32");
  Call(cluster_, "DELETE", "/api/v1/namespaces/default/configmaps/wire-watch");

  std::vector<Json> want;
  for (const auto& line : absl::StrSplit(c.response_body, '\n')) {
    if (!line.empty()) want.push_back(Json::parse(std::string(line)));
  }
  auto got = sink->events();
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i]["type"], want[i]["type"]) << i;
    EXPECT_EQ(TopKeys(got[i]), TopKeys(want[i]));
    EXPECT_EQ(TopKeys(got[i]["object"]), TopKeys(want[i]["object"])) << i;
    EXPECT_EQ(got[i]["object"]["metadata"]["name"], want[i]["object"]["metadata"]["name"]);
  }
  // MODIFIED and DELETED carry the data and increasing versions, the
  // managed fields as captured.
  EXPECT_EQ(got[3]["object"]["data"], want[3]["object"]["data"]);
  EXPECT_EQ(got[3]["object"]["metadata"]["managedFields"][1]["fieldsV1"],
            want[3]["object"]["metadata"]["managedFields"][1]["fieldsV1"]);
  EXPECT_EQ(std::stoll(got[4]["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(got[3]["object"]["metadata"]["resourceVersion"].get<std::string>()) + 1);
  // Every line is one compact JSON event and a newline.
  for (const auto& line : sink->lines()) {
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
  }
}

TEST_F(WireTest, BookmarkShapeMatchesCapture) {
  LOAD_OR_SKIP(c, "200-watch-stream-configmaps.txt");
  Json want_bookmark;
  for (const auto& line : absl::StrSplit(c.response_body, '\n')) {
    Json e = Json::parse(std::string(line), nullptr, false);
    if (e.is_object() && e["type"] == "BOOKMARK") want_bookmark = e;
  }
  ASSERT_TRUE(want_bookmark.is_object());
  ClusterOptions o = TestOptions();
  o.bookmark_every = 1;
  Cluster cl(o);
  auto sink = std::make_shared<RecordingSink>();
  Watch(cl, "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true", sink);
  Call(cl, "POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"a"}})");
  auto events = sink->events();
  ASSERT_EQ(events.size(), 2u);
  Json bookmark = events[1];
  std::string rv = bookmark["object"]["metadata"]["resourceVersion"];
  want_bookmark["object"]["metadata"]["resourceVersion"] = rv;
  EXPECT_EQ(bookmark, want_bookmark);
  EXPECT_EQ(sink->lines()[1], want_bookmark.dump() + "\n");
}

TEST_F(WireTest, WatchFromEvictedVersionSendsCapturedErrorEvent) {
  LOAD_OR_SKIP(c, "410-gone-watch-too-old-resourceversion.txt");
  ClusterOptions o = TestOptions();
  o.watch_cache_events = 10;
  Cluster cl(o);
  Call(cl, "POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"a"}})");
  for (int i = 0; i < 30; ++i) {
    Call(cl, "PATCH", "/api/v1/namespaces/default/configmaps/a", R"({"data":{"i":")" + std::to_string(i) + "\"}}",
         "application/merge-patch+json");
  }
  auto sink = std::make_shared<RecordingSink>();
  auto w = Watch(cl, c.target, sink);
  EXPECT_TRUE(w.is_watch);
  EXPECT_EQ(w.response.status, 200);
  ASSERT_EQ(sink->lines().size(), 1u);
  EXPECT_TRUE(sink->closed());
  EXPECT_EQ(cl.open_watches(), 0u);
  Json got = sink->events()[0], want = Json::parse(c.response_body);
  // Same bytes but for the two numbers in the message.
  std::regex numbers("too old resource version: \\d+ \\(\\d+\\)");
  std::string got_line = std::regex_replace(sink->lines()[0], numbers, "N");
  std::string want_line = std::regex_replace(c.response_body, numbers, "N");
  EXPECT_EQ(got_line, want_line + "\n");
  int64_t oldest = cl.resource_version() - 10;
  EXPECT_EQ(got["object"]["message"], "too old resource version: 1 (" + std::to_string(oldest) + ")");
}

// The raw capture shows what the transport must do with the sink's lines:
// chunk boundaries are arbitrary, but the de-chunked stream is exactly the
// event lines, each one JSON document and "\n" - the unit WatchSink::Send
// carries.
TEST_F(WireTest, ChunkedRawCaptureDechunksToTheSinkLineProtocol) {
  auto path = WireDir() / "200-watch-stream-configmaps-chunked-raw.txt";
  LOAD_OR_SKIP(decoded, "200-watch-stream-configmaps.txt");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "raw capture not found";
  std::string raw = srfleet::testing_support::ReadFile(path);
  auto start = raw.find("\r\n\r\n", raw.find("### RESPONSE"));
  ASSERT_NE(start, std::string::npos);
  std::string body;
  size_t pos = start + 4;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) break;
    body += raw.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  std::vector<std::string> lines = absl::StrSplit(body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 7u);
  // Same events as the decoded capture of the concurrent connection.
  std::vector<std::string> decoded_lines = absl::StrSplit(decoded.response_body, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines, decoded_lines);

  // kubesim produces the same line structure for the same scenario.
  CreateConfigMap("kube-root-ca.crt", R"({"ca.crt":"x"})");
  CreateConfigMap("wire-conflict");
  auto sink = std::make_shared<RecordingSink>();
  Watch(cluster_, "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=", sink);
  Call(cluster_, "POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"wire-watch"},"data":{"a":"1"}})");
  Call(cluster_, "PATCH", "/api/v1/namespaces/default/configmaps/wire-watch", R"({"data":{"a":"2"}})",
       "application/merge-patch+json");
  Call(cluster_, "DELETE", "/api/v1/namespaces/default/configmaps/wire-watch");
  std::string joined;
  for (const auto& l : sink->lines()) joined += l;
  std::vector<std::string> ours = absl::StrSplit(joined, '\n', absl::SkipEmpty());
  ASSERT_EQ(ours.size(), 5u);  // the capture's two trailing BOOKMARKs came from its timeout
  for (size_t i = 0; i < ours.size(); ++i) {
    Json a = Json::parse(ours[i]), b = Json::parse(lines[i]);
    EXPECT_EQ(TopKeys(a), TopKeys(b));
    EXPECT_EQ(a["type"], b["type"]);
    EXPECT_EQ(TopKeys(a["object"]), TopKeys(b["object"]));
  }
}

// ---- discovery ------------------------------------------------------------

Json LoadDiscovery(const std::string& file) {
  auto path = DiscoveryDir() / file;
  if (!std::filesystem::exists(path)) return Json();
  return Json::parse(srfleet::testing_support::ReadFile(path), nullptr, false);
}

TEST_F(WireTest, CoreVersionsDocumentEqualsReference) {
  Json want = LoadDiscovery("api.json");
  if (want.is_null()) GTEST_SKIP() << "reference k8s-discovery/api.json not found";
  EXPECT_EQ(BodyOf(Call(cluster_, "GET", "/api")), want);
}

TEST_F(WireTest, ResourceListsMatchReferenceEntries) {
  Json core = LoadDiscovery("api__v1.json");
  Json apps = LoadDiscovery("apis__apps__v1.json");
  if (core.is_null() || apps.is_null()) GTEST_SKIP() << "reference k8s-discovery not found";
  auto check = [](const Json& got, const Json& want) {
    EXPECT_EQ(TopKeys(got), TopKeys(want));
    EXPECT_EQ(got["groupVersion"], want["groupVersion"]);
    int compared = 0;
    for (const auto& g : got["resources"]) {
      for (const auto& w : want["resources"]) {
        if (w["name"] == g["name"]) {
          EXPECT_EQ(g, w) << g["name"];
          ++compared;
        }
      }
    }
    return compared;
  };
  Json got_core = BodyOf(Call(cluster_, "GET", "/api/v1"));
  // Every served core resource (and its status subresource) equals the real entry.
  EXPECT_EQ(check(got_core, core), static_cast<int>(got_core["resources"].size()));
  Json got_apps = BodyOf(Call(cluster_, "GET", "/apis/apps/v1"));
  EXPECT_EQ(check(got_apps, apps), 2);  // deployments, deployments/status
}

TEST_F(WireTest, GroupListEntriesMatchReference) {
  Json want = LoadDiscovery("apis.json");
  if (want.is_null()) GTEST_SKIP() << "reference k8s-discovery/apis.json not found";
  ClusterOptions o = TestOptions();
  o.gateway_api = false;
  Cluster plain(o);
  Json got = BodyOf(Call(plain, "GET", "/apis"));
  EXPECT_EQ(TopKeys(got), TopKeys(want));
  std::vector<std::string> got_names, want_order;
  for (const auto& g : got["groups"]) {
    got_names.push_back(g["name"]);
    bool found = false;
    for (const auto& w : want["groups"]) {
      if (w["name"] != g["name"]) continue;
      found = true;
      // kubesim serves one version per built-in group (the preferred one);
      // the real server also lists older ones (autoscaling/v1, storage v1beta1).
      EXPECT_EQ(TopKeys(g), TopKeys(w));
      EXPECT_EQ(g["preferredVersion"], w["preferredVersion"]) << g["name"];
      EXPECT_THAT(w["versions"], IsSupersetOf(g["versions"].get<std::vector<Json>>())) << g["name"];
      EXPECT_EQ(g["versions"][0], w["versions"][0]);
    }
    EXPECT_TRUE(found) << g["name"];
  }
  // Same relative order as the real server.
  for (const auto& w : want["groups"]) {
    if (std::find(got_names.begin(), got_names.end(), w["name"].get<std::string>()) != got_names.end()) {
      want_order.push_back(w["name"]);
    }
  }
  EXPECT_EQ(got_names, want_order);
}

TEST_F(WireTest, GroupsAfterInstallingReferenceCrdsMatch) {
  Json want = LoadDiscovery("apis__after-crds-installed.json");
  auto gw = CrdDir() / "gateway-api" / "gateway.networking.k8s.io_gateways.yaml";
  if (want.is_null() || !std::filesystem::exists(gw)) GTEST_SKIP() << "reference discovery/CRDs not found";
  ClusterOptions o = TestOptions();
  o.gateway_api = false;
  Cluster cl(o);
  for (const auto& file : {gw, CrdDir() / "gateway-api" / "gateway.networking.k8s.io_httproutes.yaml",
                           CrdDir() / "openshift" / "routes.crd.yaml",
                           CrdDir() / "kserve" / "serving.kserve.io_inferenceservices.yaml"}) {
    auto doc = ParseYaml(srfleet::testing_support::ReadFile(file));
    ASSERT_TRUE(doc.ok()) << file;
    ASSERT_TRUE(cl.InstallCrd(*doc).ok()) << file;
  }
  ASSERT_TRUE(cl.InstallSemanticRouterCrd().ok());
  Json got = BodyOf(Call(cl, "GET", "/apis"));
  for (const char* group : {"gateway.networking.k8s.io", "route.openshift.io", "vllm.ai", "serving.kserve.io"}) {
    Json g, w;
    for (const auto& x : got["groups"]) {
      if (x["name"] == group) g = x;
    }
    for (const auto& x : want["groups"]) {
      if (x["name"] == group) w = x;
    }
    EXPECT_EQ(g, w) << group;
  }
}

}  // namespace
}  // namespace srfleet::kubesim
