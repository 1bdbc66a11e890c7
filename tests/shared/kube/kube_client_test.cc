// KubeClient over a scripted transport: request shapes, retries and their
// delays (fake clock), error decoding, token rotation, metrics, watches,
// pagination, discovery, and the ListWatcher's resume/relist logic.
#include "shared/kube/kube_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "shared/kube/list_watcher.h"
#include "tests/shared/kube/fake_transport.h"
#include "tests/shared/kube/temp_dir.h"
#include "tests/support/test_files.h"

namespace srfleet::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Fail;
using testing::FakeTransport;
using testing::Respond;
using testing::StreamScript;

std::string Header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

constexpr char kCm[] = R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cfg","namespace":"default","resourceVersion":"7"}})";
constexpr char kStatus500[] = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"InternalError","message":"etcd hiccup","code":500})";
constexpr char kStatus429[] = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","message":"slow down","code":429})";

class RecordingObserver : public RequestObserver {
 public:
  void OnRequest(const RequestMetric& m) override {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(m);
  }
  void OnRetry(const RequestMetric&, absl::Duration d) override {
    std::lock_guard<std::mutex> lock(mu);
    retries.push_back(d);
  }
  void OnRateLimited(absl::Duration d) override {
    std::lock_guard<std::mutex> lock(mu);
    limited.push_back(d);
  }
  std::mutex mu;
  std::vector<RequestMetric> requests;
  std::vector<absl::Duration> retries, limited;
};

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(RestConfig()); }

  void Build(RestConfig config) {
    config.server = config.server.empty() ? "https://127.0.0.1:6443" : config.server;
    if (config.bearer_token.empty() && config.token_file.empty()) config.bearer_token = "tok";
    config.qps = config.qps == 50 ? 0 : config.qps;  // tests opt in to limiting
    transport = std::make_shared<FakeTransport>();
    observer = std::make_shared<RecordingObserver>();
    ClientOptions options;
    options.transport_override = transport;
    options.clock = &clock;
    options.observer = observer;
    options.random = [] { return 1.0; };  // delays at the top of the jitter range
    absl::StatusOr<std::unique_ptr<KubeClient>> made = KubeClient::New(config, options);
    ASSERT_TRUE(made.ok()) << made.status();
    client = *std::move(made);
  }

  FakeClock clock;
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<RecordingObserver> observer;
  std::unique_ptr<KubeClient> client;
};

TEST_F(KubeClientTest, GetSendsAuthAndDecodes) {
  transport->Push(Respond(200, kCm));
  absl::StatusOr<Json> cm = client->Get(ResourceRef::Core("configmaps", "default", "cfg"));
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_EQ((*cm)["metadata"]["resourceVersion"], "7");
  const HttpRequest r = transport->requests().at(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/api/v1/namespaces/default/configmaps/cfg");
  EXPECT_EQ(Header(r, "Authorization"), "Bearer tok");
  EXPECT_EQ(Header(r, "Accept"), "application/json");
  EXPECT_EQ(Header(r, "User-Agent"), "srfleet");
}

TEST_F(KubeClientTest, NotFoundIsTyped) {
  transport->Push(Respond(404, R"({"kind":"Status","status":"Failure","reason":"NotFound","message":"configmaps \"x\" not found","code":404})"));
  absl::StatusOr<Json> cm = client->Get(ResourceRef::Core("configmaps", "default", "x"));
  ASSERT_FALSE(cm.ok());
  EXPECT_TRUE(kube::IsNotFound(cm.status()));
  EXPECT_EQ(cm.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(cm.status().message()),
              HasSubstr("GET /api/v1/namespaces/default/configmaps/x: 404 NotFound: configmaps \"x\" not found"));
  EXPECT_EQ(transport->requests().size(), 1u);
}

TEST_F(KubeClientTest, Retries429AfterRetryAfter) {
  transport->Push(Respond(429, kStatus429, {{"Retry-After", "3"}}));
  transport->Push(Respond(429, kStatus429, {{"Retry-After", "1"}}));
  transport->Push(Respond(200, kCm));
  ASSERT_TRUE(client->Get(ResourceRef::Core("configmaps", "default", "cfg")).ok());
  EXPECT_THAT(clock.sleeps(), ElementsAre(absl::Seconds(3), absl::Seconds(1)));
  EXPECT_EQ(observer->retries.size(), 2u);
  ASSERT_EQ(observer->requests.size(), 3u);
  EXPECT_EQ(observer->requests[0].code, 429);
  EXPECT_EQ(observer->requests[2].code, 200);
  EXPECT_EQ(observer->requests[2].attempt, 3);
  EXPECT_EQ(observer->requests[2].verb, "get");
  EXPECT_EQ(observer->requests[2].resource, "configmaps");
}

TEST_F(KubeClientTest, RetriesServerErrorsWithExponentialBackoff) {
  transport->Push(Respond(503, "overloaded"));
  transport->Push(Fail(absl::UnavailableError("reset"), true));
  transport->Push(Respond(502, ""));
  transport->Push(Respond(200, kCm));
  ASSERT_TRUE(client->Get(ResourceRef::Core("configmaps", "default", "cfg")).ok());
  // Default policy 200ms x2, jitter drawn at the top of the range.
  EXPECT_THAT(clock.sleeps(), ElementsAre(absl::Milliseconds(200), absl::Milliseconds(400), absl::Milliseconds(800)));
}

TEST_F(KubeClientTest, GivesUpAfterMaxAttempts) {
  transport->fallback = [](const HttpRequest&) { return Respond(500, kStatus500); };
  absl::StatusOr<Json> r = client->Get(ResourceRef::Core("configmaps", "default", "cfg"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("(attempt 5 of 5)"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("etcd hiccup"));
  EXPECT_EQ(transport->requests().size(), 5u);
}

TEST_F(KubeClientTest, WritesRetryOnlyWhenSafe) {
  const ResourceRef ref = ResourceRef::Core("configmaps", "default");
  const Json cm = Json::parse(kCm);
  // 500 with a Status: the server did not apply it.
  transport->Push(Respond(500, kStatus500));
  transport->Push(Respond(201, kCm));
  EXPECT_TRUE(client->Create(ref, cm).ok());
  // Never sent (connect failed): retried.
  transport->Push(Fail(absl::UnavailableError("connection refused"), false));
  transport->Push(Respond(201, kCm));
  EXPECT_TRUE(client->Create(ref, cm).ok());
  EXPECT_EQ(transport->requests().size(), 4u);
  // Sent, answer lost: not retried (the create may have happened).
  transport->Push(Fail(absl::UnavailableError("reset"), true));
  absl::StatusOr<Json> lost = client->Create(ref, cm);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable);
  // A gateway error says nothing about whether it was applied.
  transport->Push(Respond(504, "gateway timeout"));
  EXPECT_FALSE(client->Create(ref, cm).ok());
  // A conflict is final.
  transport->Push(Respond(409, R"({"kind":"Status","reason":"AlreadyExists","code":409,"message":"exists"})"));
  absl::StatusOr<Json> exists = client->Create(ref, cm);
  EXPECT_TRUE(kube::IsAlreadyExists(exists.status()));
  EXPECT_EQ(transport->requests().size(), 7u);
}

TEST_F(KubeClientTest, ApplyShape) {
  transport->Push(Respond(200, kCm));
  ApplyOptions options;
  options.field_manager = "srfleet-agent";
  options.force = true;
  const Json cm = Json::parse(kCm);
  ASSERT_TRUE(client->Apply(ResourceRef::Core("configmaps"), cm, options).ok());
  const HttpRequest r = transport->requests().at(0);
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.target, "/api/v1/namespaces/default/configmaps/cfg?fieldManager=srfleet-agent&force=true");
  EXPECT_EQ(Header(r, "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(Json::parse(r.body), cm);
  // Without a field manager the user agent is used; status variant.
  transport->Push(Respond(200, kCm));
  ASSERT_TRUE(client->ApplyStatus(ResourceRef::Grouped("apps", "v1", "deployments", "prod", "web"),
                                  Json::parse(R"({"status":{}})"))
                  .ok());
  EXPECT_EQ(transport->requests().at(1).target, "/apis/apps/v1/namespaces/prod/deployments/web/status?fieldManager=srfleet");
}

TEST_F(KubeClientTest, UpdatePatchAndDeleteShapes) {
  const ResourceRef dep = ResourceRef::Grouped("apps", "v1", "deployments", "prod", "web");
  transport->Push(Respond(200, "{}"));
  ASSERT_TRUE(client->Update(dep, Json::parse(R"({"metadata":{"name":"web","resourceVersion":"5"}})")).ok());
  transport->Push(Respond(200, "{}"));
  WriteOptions dry;
  dry.field_manager = "mgr";
  dry.dry_run = true;
  ASSERT_TRUE(client->UpdateStatus(dep, Json::parse(R"({"metadata":{"name":"web"}})"), dry).ok());
  transport->Push(Respond(200, "{}"));
  ASSERT_TRUE(client->MergePatchStatus(dep, Json::parse(R"({"status":{"replicas":2}})")).ok());
  transport->Push(Respond(200, R"({"kind":"Status","status":"Success"})"));
  DeleteOptions del;
  del.propagation_policy = "Foreground";
  del.precondition_uid = "u-1";
  del.precondition_resource_version = "9";
  ASSERT_TRUE(client->Delete(dep, del).ok());

  const std::vector<HttpRequest> rs = transport->requests();
  EXPECT_EQ(rs[0].method, "PUT");
  EXPECT_EQ(rs[0].target, "/apis/apps/v1/namespaces/prod/deployments/web");
  EXPECT_EQ(rs[1].target, "/apis/apps/v1/namespaces/prod/deployments/web/status?fieldManager=mgr&dryRun=All");
  EXPECT_EQ(rs[2].method, "PATCH");
  EXPECT_EQ(Header(rs[2], "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(rs[2].target, "/apis/apps/v1/namespaces/prod/deployments/web/status");
  EXPECT_EQ(rs[3].method, "DELETE");
  const Json body = Json::parse(rs[3].body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"]["uid"], "u-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "9");
}

TEST_F(KubeClientTest, RefusesIncompleteRefs) {
  EXPECT_EQ(client->Get(ResourceRef::Core("configmaps", "default")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Update(ResourceRef::Core("configmaps", "default"), Json::object()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport->requests().empty());
}

TEST_F(KubeClientTest, ListDecodesPageAndFillsItemTypes) {
  transport->Push(Respond(200, R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"405","continue":"abc","remainingItemCount":3},"items":[{"metadata":{"name":"a"}}]})"));
  ListOptions options;
  options.label_selector = "app=web,tier in (a,b)";
  options.field_selector = "metadata.name!=x";
  options.limit = 1;
  absl::StatusOr<ObjectList> list = client->List(ResourceRef::Core("configmaps", "default"), options);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->resource_version, "405");
  EXPECT_EQ(list->continue_token, "abc");
  EXPECT_EQ(list->remaining_item_count, 3);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0]["kind"], "ConfigMap");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
  EXPECT_EQ(transport->requests().at(0).target,
            "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29"
            "&fieldSelector=metadata.name%21%3Dx&limit=1");
}

TEST_F(KubeClientTest, ListAllFollowsContinueAndRestartsWhenExpired) {
  auto page = [](const std::string& rv, const std::string& cont, const std::string& name) {
    return Respond(200, R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":")" + rv +
                            R"(","continue":")" + cont + R"("},"items":[{"metadata":{"name":")" + name + R"("}}]})");
  };
  transport->Push(page("10", "c1", "a"));
  transport->Push(page("10", "c2", "b"));
  transport->Push(page("10", "", "c"));
  ListOptions options;
  options.limit = 1;
  options.resource_version = "5";
  absl::StatusOr<ObjectList> all = client->ListAll(ResourceRef::Core("configmaps", "default"), options);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->resource_version, "10");
  EXPECT_TRUE(all->continue_token.empty());
  const std::vector<HttpRequest> rs = transport->requests();
  EXPECT_EQ(rs[0].target, "/api/v1/namespaces/default/configmaps?limit=1&resourceVersion=5");
  EXPECT_EQ(rs[1].target, "/api/v1/namespaces/default/configmaps?limit=1&continue=c1");

  // The continue token expires midway: one unpaged relist.
  transport->Push(page("20", "c1", "a"));
  transport->Push(Respond(410, R"({"kind":"Status","reason":"Expired","code":410,"message":"too old"})"));
  transport->Push(Respond(200, R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"30"},"items":[{},{},{},{}]})"));
  ListOptions paged;
  paged.limit = 1;
  absl::StatusOr<ObjectList> again = client->ListAll(ResourceRef::Core("configmaps", "default"), paged);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->items.size(), 4u);
  EXPECT_EQ(again->resource_version, "30");
  EXPECT_EQ(transport->requests().back().target, "/api/v1/namespaces/default/configmaps");
}

std::vector<std::string> SplitEvery(const std::string& s, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); i += n) out.push_back(s.substr(i, n));
  return out;
}

TEST_F(KubeClientTest, WatchDecodesEventsAcrossArbitraryPieces) {
  const std::string body =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"11"}}})" "\n"
      R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"12"}}})" "\n"
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"15"}}})" "\n"
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"16"}}})" "\n";
  transport->PushStream({SplitEvery(body, 13), Respond(200, "")});
  std::vector<std::string> seen;
  WatchOptions options;
  options.resource_version = "10";
  options.timeout_seconds = 30;
  options.label_selector = "app=x";
  CancelToken cancel;
  absl::Status s = client->Watch(ResourceRef::Core("configmaps", "default", "a"), options,
                                 [&](const WatchEvent& e) {
                                   seen.push_back(std::string(ToString(e.type)) + "@" + e.ResourceVersion());
                                 },
                                 cancel);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_THAT(seen, ElementsAre("ADDED@11", "MODIFIED@12", "BOOKMARK@15", "DELETED@16"));
  EXPECT_EQ(transport->requests().at(0).target,
            "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=10&allowWatchBookmarks=true"
            "&timeoutSeconds=30&labelSelector=app%3Dx&fieldSelector=metadata.name%3Da");
  ASSERT_EQ(observer->requests.size(), 1u);
  EXPECT_EQ(observer->requests[0].verb, "watch");
}

TEST_F(KubeClientTest, WatchErrorEventIsGone) {
  transport->PushStream(
      {{R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (239)","reason":"Expired","code":410}})j" "\n"},
       Respond(200, "")});
  CancelToken cancel;
  int events = 0;
  WatchOptions from_one;
  from_one.resource_version = "1";
  absl::Status s =
      client->Watch(ResourceRef::Core("configmaps", "default"), from_one, [&](const WatchEvent&) { ++events; }, cancel);
  EXPECT_TRUE(kube::IsGone(s)) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(events, 0);
}

TEST_F(KubeClientTest, WatchRefusedAndDropped) {
  StreamScript refused;
  refused.result = Respond(403, R"({"kind":"Status","reason":"Forbidden","code":403,"message":"no"})");
  transport->PushStream(refused);
  CancelToken cancel;
  absl::Status s = client->Watch(ResourceRef::Core("pods", ""), {}, [](const WatchEvent&) {}, cancel);
  EXPECT_TRUE(kube::IsForbidden(s)) << s;

  StreamScript dropped;
  dropped.pieces = {R"({"type":"ADDED","object":{}})" "\n"};
  dropped.result = Fail(absl::UnavailableError("connection closed by the server"), true);
  transport->PushStream(dropped);
  int events = 0;
  s = client->Watch(ResourceRef::Core("pods", ""), {}, [&](const WatchEvent&) { ++events; }, cancel);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(events, 1);

  transport->PushStream({{"this is not json\n"}, Respond(200, "")});
  s = client->Watch(ResourceRef::Core("pods", ""), {}, [](const WatchEvent&) {}, cancel);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST_F(KubeClientTest, TokenFileIsReReadPeriodicallyAndOn401) {
  testing::TempDir dir;
  const std::string token_path = dir.Write("token", "first\n");
  RestConfig config;
  config.bearer_token = "first";
  config.token_file = token_path;
  Build(config);
  transport->fallback = [](const HttpRequest&) { return Respond(200, "{}"); };
  const ResourceRef ref = ResourceRef::Core("configmaps", "default", "x");
  ASSERT_TRUE(client->Get(ref).ok());
  dir.Write("token", "second\n");
  ASSERT_TRUE(client->Get(ref).ok());  // cached for a minute
  clock.Advance(absl::Minutes(2));
  ASSERT_TRUE(client->Get(ref).ok());
  std::vector<HttpRequest> rs = transport->requests();
  EXPECT_EQ(Header(rs[0], "Authorization"), "Bearer first");
  EXPECT_EQ(Header(rs[1], "Authorization"), "Bearer first");
  EXPECT_EQ(Header(rs[2], "Authorization"), "Bearer second");

  // A 401 right after a rotation: re-read now and try once more.
  dir.Write("token", "third\n");
  transport->Push(Respond(401, R"({"kind":"Status","reason":"Unauthorized","code":401})"));
  transport->Push(Respond(200, "{}"));
  ASSERT_TRUE(client->Get(ref).ok());
  rs = transport->requests();
  EXPECT_EQ(Header(rs.back(), "Authorization"), "Bearer third");
  // A 401 with an unchanged token is final.
  transport->Push(Respond(401, R"({"kind":"Status","reason":"Unauthorized","code":401})"));
  EXPECT_TRUE(kube::IsUnauthorized(client->Get(ref).status()));
}

TEST_F(KubeClientTest, ClientSideRateLimit) {
  RestConfig config;
  config.qps = 2;
  config.burst = 1;
  Build(config);
  transport->fallback = [](const HttpRequest&) { return Respond(200, "{}"); };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Get(ResourceRef::Core("configmaps", "d", "x")).ok());
  EXPECT_THAT(clock.sleeps(), ElementsAre(absl::Milliseconds(500), absl::Milliseconds(500)));
  EXPECT_EQ(observer->limited.size(), 2u);
}

class DiscoveryTest : public KubeClientTest {
 protected:
  static std::optional<std::string> Read(const std::string& name) {
    const auto path = srfleet::testing_support::ReferenceDir() / "reference" / "k8s-discovery" / name;
    if (!std::filesystem::exists(path)) return std::nullopt;
    return srfleet::testing_support::ReadFile(path);
  }
};

TEST_F(DiscoveryTest, GroupsAndResourcesFromRealServerAnswers) {
  std::optional<std::string> api = Read("api.json"), apis = Read("apis.json"), v1 = Read("api__v1.json"),
                             apps = Read("apis__apps__v1.json");
  if (!api || !apis || !v1 || !apps) GTEST_SKIP() << "discovery captures not available (../shared missing)";
  transport->fallback = [&](const HttpRequest& r) {
    if (r.target == "/api") return Respond(200, *api);
    if (r.target == "/apis") return Respond(200, *apis);
    if (r.target == "/api/v1") return Respond(200, *v1);
    if (r.target == "/apis/apps/v1") return Respond(200, *apps);
    if (r.target == "/version") return Respond(200, R"({"major":"1","minor":"26","gitVersion":"v1.26.1","platform":"linux/amd64"})");
    return Respond(404, R"({"kind":"Status","reason":"NotFound","code":404,"message":"the server could not find the requested resource"})");
  };
  absl::StatusOr<ServerVersionInfo> version = client->ServerVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->git_version, "v1.26.1");
  EXPECT_EQ(version->minor, "26");

  absl::StatusOr<std::vector<ApiGroupInfo>> groups = client->ServerGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_GT(groups->size(), 5u);
  EXPECT_EQ((*groups)[0].name, "");
  EXPECT_EQ((*groups)[0].preferred_version, "v1");
  bool apps_found = false;
  for (const ApiGroupInfo& g : *groups) {
    if (g.name == "apps") {
      apps_found = true;
      EXPECT_EQ(g.preferred_version, "v1");
    }
  }
  EXPECT_TRUE(apps_found);

  absl::StatusOr<std::vector<ApiResourceInfo>> core = client->ServerResources("v1");
  ASSERT_TRUE(core.ok());
  bool configmaps = false;
  for (const ApiResourceInfo& r : *core) {
    if (r.name == "configmaps") {
      configmaps = true;
      EXPECT_EQ(r.kind, "ConfigMap");
      EXPECT_TRUE(r.namespaced);
      EXPECT_THAT(r.verbs, ::testing::Contains("watch"));
    }
  }
  EXPECT_TRUE(configmaps);
  EXPECT_TRUE(*client->IsServed("apps", "v1", "deployments"));
  EXPECT_TRUE(*client->IsServed("apps", "v1", "deployments/status"));
  EXPECT_FALSE(*client->IsServed("apps", "v1", "gizmos"));
  EXPECT_FALSE(*client->IsServed("route.openshift.io", "v1", "routes"));
}

// --- ListWatcher ------------------------------------------------------------

std::string Event(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + rv + R"("}}})" + "\n";
}

HttpResult ListOf(const std::string& rv, const std::vector<std::string>& names) {
  Json list = {{"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}},
               {"items", Json::array()}};
  for (const std::string& n : names) list["items"].push_back({{"metadata", {{"name", n}}}});
  return Respond(200, list.dump());
}

TEST_F(KubeClientTest, ListWatcherResumesRelistsAndDeliversInOrder) {
  transport->Push(ListOf("10", {"a", "b"}));
  // Watch 1: an event and a bookmark, then the connection drops.
  StreamScript w1;
  w1.pieces = SplitEvery(Event("ADDED", "c", "11") + Event("BOOKMARK", "", "12"), 17);
  w1.result = Fail(absl::UnavailableError("connection closed by the server"), true);
  transport->PushStream(w1);
  // Watch 2 (from 12): the server's window moved on.
  transport->PushStream({{R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})" "\n"},
                         Respond(200, "")});
  transport->Push(ListOf("20", {"a", "b", "c", "d"}));
  // Watch 3 (from 20): the server ends it normally (timeoutSeconds).
  transport->PushStream({{Event("MODIFIED", "d", "21")}, Respond(200, "")});
  // Watch 4 (from 21): one more event, after which the test stops.
  transport->PushStream({{Event("DELETED", "a", "22")}, Respond(200, "")});

  ListWatcherOptions options;
  options.clock = &clock;
  options.random = [] { return 0.0; };
  options.page_size = 0;
  ListWatcher lw(*client, ResourceRef::Core("configmaps", "default"), options);
  CancelToken cancel;
  std::vector<std::string> log;
  ListWatcher::Handlers handlers;
  handlers.on_snapshot = [&](std::vector<Json> items, const std::string& rv) {
    log.push_back("snapshot@" + rv + "#" + std::to_string(items.size()));
  };
  handlers.on_event = [&](const WatchEvent& e) {
    log.push_back(std::string(ToString(e.type)) + "@" + e.ResourceVersion());
    if (e.type == WatchEventType::kDeleted) cancel.Cancel();
  };
  absl::Status s = lw.Run(handlers, cancel);
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(log, ElementsAre("snapshot@10#2", "ADDED@11", "snapshot@20#4", "MODIFIED@21", "DELETED@22"));
  EXPECT_EQ(lw.resource_version(), "22");

  std::vector<std::string> watch_rvs;
  for (const HttpRequest& r : transport->requests()) {
    if (r.target.find("watch=1") == std::string::npos) continue;
    const size_t p = r.target.find("resourceVersion=");
    watch_rvs.push_back(r.target.substr(p + 16, 2));
    EXPECT_THAT(r.target, HasSubstr("timeoutSeconds=300"));
  }
  EXPECT_THAT(watch_rvs, ElementsAre("10", "12", "20", "21"));
  const ListWatcherStats stats = lw.stats();
  EXPECT_EQ(stats.lists, 2);
  EXPECT_EQ(stats.relists_on_gone, 1);
  EXPECT_EQ(stats.watches, 4);
  EXPECT_EQ(stats.bookmarks, 1);
  EXPECT_EQ(stats.events, 3);
}

TEST_F(KubeClientTest, ListWatcherBacksOffOnFailures) {
  transport->Push(Respond(500, kStatus500));  // list fails 5 times (max attempts) ...
  transport->Push(Respond(500, kStatus500));
  transport->Push(Respond(500, kStatus500));
  transport->Push(Respond(500, kStatus500));
  transport->Push(Respond(500, kStatus500));
  transport->Push(ListOf("5", {}));  // ... then works
  StreamScript refused;
  refused.result = Respond(503, R"({"kind":"Status","code":503,"reason":"ServiceUnavailable","message":"shutting down"})");
  transport->PushStream(refused);
  transport->PushStream({{Event("ADDED", "x", "6")}, Respond(200, "")});

  ListWatcherOptions options;
  options.clock = &clock;
  options.random = [] { return 1.0; };
  options.backoff = {absl::Seconds(1), absl::Seconds(30), 2.0, 0.5};
  ListWatcher lw(*client, ResourceRef::Core("configmaps", "default"), options);
  CancelToken cancel;
  std::vector<absl::Status> errors;
  ListWatcher::Handlers handlers;
  handlers.on_event = [&](const WatchEvent&) { cancel.Cancel(); };
  handlers.on_error = [&](const absl::Status& s) { errors.push_back(s); };
  EXPECT_EQ(lw.Run(handlers, cancel).code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kInternal);
  EXPECT_EQ(errors[1].code(), absl::StatusCode::kUnavailable);
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  // 4 request-level retry sleeps, then the ListWatcher's 1 s and 2 s.
  ASSERT_EQ(sleeps.size(), 6u);
  EXPECT_EQ(sleeps[4], absl::Seconds(1));
  EXPECT_EQ(sleeps[5], absl::Seconds(2));
}

}  // namespace
}  // namespace srfleet::kube
