// Watches: initial events, resume without loss or duplicates, selectors,
// bookmarks, expiry, restarts and dropped streams.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shared/kubesim/cluster.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::ElementsAre;
using namespace srfleet::kubesim::testing;

constexpr char kCm[] = "/api/v1/namespaces/default/configmaps";

std::vector<std::string> Types(const std::vector<Json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["type"]);
  return out;
}

std::vector<std::string> Rvs(const std::vector<Json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["object"]["metadata"].value("resourceVersion", ""));
  return out;
}

class WatchTest : public ::testing::Test {
 protected:
  Cluster c_{TestOptions()};
  void Create(const std::string& name, const std::string& labels = "{}") {
    auto r = Call(c_, "POST", kCm, R"({"metadata":{"name":")" + name + R"(","labels":)" + labels + "}}");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  void Patch(const std::string& name, const std::string& patch) {
    auto r = Call(c_, "PATCH", std::string(kCm) + "/" + name, patch, "application/merge-patch+json");
    ASSERT_EQ(r.status, 200) << r.body;
  }
};

TEST_F(WatchTest, WithoutVersionStartsWithSyntheticAddedEvents) {
  Create("a");
  Create("b");
  auto sink = std::make_shared<RecordingSink>();
  auto w = Watch(c_, std::string(kCm) + "?watch=true", sink);
  ASSERT_TRUE(w.is_watch);
  EXPECT_THAT(Types(sink->events()), ElementsAre("ADDED", "ADDED"));
  EXPECT_EQ(c_.open_watches(), 1u);
  Create("c");
  Patch("a", R"({"data":{"x":"1"}})");
  Call(c_, "DELETE", std::string(kCm) + "/b");
  EXPECT_THAT(Types(sink->events()), ElementsAre("ADDED", "ADDED", "ADDED", "MODIFIED", "DELETED"));
  // Other namespaces and types are not delivered.
  Call(c_, "POST", "/api/v1/namespaces/kube-system/configmaps", R"({"metadata":{"name":"z"}})");
  Call(c_, "POST", "/api/v1/namespaces/default/secrets", R"({"metadata":{"name":"z"}})");
  EXPECT_EQ(sink->events().size(), 5u);
  // resourceVersion=0 also lists the current state first.
  auto zero = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=0", zero);
  EXPECT_THAT(Types(zero->events()), ElementsAre("ADDED", "ADDED"));
}

TEST_F(WatchTest, ResumeDeliversEveryLaterEventExactlyOnce) {
  auto full = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + std::to_string(c_.resource_version()), full);
  Create("a");
  Create("b");
  std::string resume_from = std::to_string(c_.resource_version());
  Patch("a", R"({"data":{"x":"1"}})");
  Create("c");
  Call(c_, "DELETE", std::string(kCm) + "/b");
  Patch("c", R"({"data":{"y":"2"}})");

  auto resumed = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + resume_from, resumed);
  Patch("a", R"({"data":{"x":"3"}})");
  auto all = full->lines();
  ASSERT_EQ(all.size(), 7u);
  std::vector<std::string> got = resumed->lines();
  std::vector<std::string> want(all.begin() + 2, all.end());
  EXPECT_EQ(got, want);  // byte-identical, in order, none lost or repeated
  auto rvs = Rvs(resumed->events());
  for (size_t i = 1; i < rvs.size(); ++i) EXPECT_LT(std::stoll(rvs[i - 1]), std::stoll(rvs[i]));
}

TEST_F(WatchTest, SelectorTransitionsBecomeAddedAndDeleted) {
  Create("a", R"({"app":"web"})");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&labelSelector=app%3Dweb", sink);
  Patch("a", R"({"metadata":{"labels":{"app":"db"}}})");  // leaves the selector
  Create("b", R"({"app":"db"})");                          // never matches
  Patch("b", R"({"metadata":{"labels":{"app":"web"}}})");  // enters
  auto events = sink->events();
  EXPECT_THAT(Types(events), ElementsAre("ADDED", "DELETED", "ADDED"));
  // The DELETED object is the last state that matched, at the event's version.
  EXPECT_EQ(events[1]["object"]["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(events[1]["object"]["metadata"]["name"], "a");
  EXPECT_EQ(events[2]["object"]["metadata"]["name"], "b");
  // Field selectors (and watching a single name) filter the same way.
  auto one = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "/a?watch=1", one);
  Patch("b", R"({"data":{"q":"1"}})");
  Patch("a", R"({"data":{"q":"1"}})");
  EXPECT_THAT(Types(one->events()), ElementsAre("ADDED", "MODIFIED"));
}

TEST_F(WatchTest, InitialEventsEndBookmark) {
  Create("a");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_,
        std::string(kCm) +
            "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan",
        sink);
  auto events = sink->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "BOOKMARK");
  Json meta = events[1]["object"]["metadata"];
  EXPECT_EQ(meta["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_EQ(meta["resourceVersion"], std::to_string(c_.resource_version()));
  EXPECT_EQ(events[1]["object"]["kind"], "ConfigMap");
  EXPECT_EQ(events[1]["object"]["apiVersion"], "v1");
}

TEST_F(WatchTest, PeriodicBookmarksOnlyForWatchersThatAskForThem) {
  ClusterOptions o = TestOptions();
  o.bookmark_every = 2;
  Cluster c(o);
  auto with = std::make_shared<RecordingSink>();
  auto without = std::make_shared<RecordingSink>();
  std::string rv = std::to_string(c.resource_version());
  Watch(c, std::string(kCm) + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv, with);
  Watch(c, std::string(kCm) + "?watch=1&resourceVersion=" + rv, without);
  for (int i = 0; i < 4; ++i) Call(c, "POST", kCm, R"({"metadata":{"name":"c)" + std::to_string(i) + "\"}}");
  EXPECT_THAT(Types(with->events()), ElementsAre("ADDED", "ADDED", "BOOKMARK", "ADDED", "ADDED", "BOOKMARK"));
  EXPECT_EQ(with->events()[5]["object"]["metadata"]["resourceVersion"], std::to_string(c.resource_version()));
  EXPECT_THAT(Types(without->events()), ElementsAre("ADDED", "ADDED", "ADDED", "ADDED"));
}

TEST_F(WatchTest, TooOldVersionIsAnErrorEventThenClose) {
  ClusterOptions o = TestOptions();
  o.watch_cache_events = 3;
  Cluster c(o);
  for (int i = 0; i < 5; ++i) Call(c, "POST", kCm, R"({"metadata":{"name":"c)" + std::to_string(i) + "\"}}");
  auto sink = std::make_shared<RecordingSink>();
  auto w = Watch(c, std::string(kCm) + "?watch=1&resourceVersion=2", sink);
  EXPECT_EQ(w.response.status, 200);
  ASSERT_EQ(sink->events().size(), 1u);
  Json e = sink->events()[0];
  EXPECT_EQ(e["type"], "ERROR");
  EXPECT_EQ(e["object"]["code"], 410);
  EXPECT_EQ(e["object"]["reason"], "Expired");
  EXPECT_TRUE(sink->closed());
  EXPECT_EQ(c.open_watches(), 0u);
  // The oldest resumable version still works.
  auto ok = std::make_shared<RecordingSink>();
  Watch(c, std::string(kCm) + "?watch=1&resourceVersion=" + std::to_string(c.resource_version() - 3), ok);
  EXPECT_EQ(ok->events().size(), 3u);
  EXPECT_FALSE(ok->closed());
}

TEST_F(WatchTest, RestartKeepingStateClosesWatchesAndForgetsHistory) {
  Create("a");
  std::string before = std::to_string(c_.resource_version());
  Create("b");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + before, sink);
  int64_t rv = c_.resource_version();
  c_.Restart(/*keep_state=*/true);
  EXPECT_TRUE(sink->closed());
  EXPECT_EQ(c_.open_watches(), 0u);
  EXPECT_EQ(c_.resource_version(), rv);
  EXPECT_EQ(BodyOf(Call(c_, "GET", kCm))["items"].size(), 2u);
  // Resuming from before the restart: 410; from the current version: fine.
  auto old = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + before, old);
  EXPECT_EQ(old->events()[0]["type"], "ERROR");
  auto fresh = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + std::to_string(rv), fresh);
  Create("c");
  EXPECT_THAT(Types(fresh->events()), ElementsAre("ADDED"));
}

TEST_F(WatchTest, RestartWithoutStateEmptiesButVersionsKeepGrowing) {
  Create("a");
  int64_t rv = c_.resource_version();
  size_t bootstrap_objects = 5;
  c_.Restart(/*keep_state=*/false);
  EXPECT_EQ(c_.object_count(), bootstrap_objects);
  EXPECT_GT(c_.resource_version(), rv);
  EXPECT_EQ(BodyOf(Call(c_, "GET", kCm))["items"].size(), 0u);
}

TEST_F(WatchTest, DropAndCancel) {
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  auto wa = Watch(c_, std::string(kCm) + "?watch=1", a);
  Watch(c_, "/api/v1/namespaces?watch=1", b);
  EXPECT_EQ(c_.open_watches(), 2u);
  wa.cancel_watch();
  wa.cancel_watch();  // idempotent
  EXPECT_EQ(c_.open_watches(), 1u);
  Create("x");
  EXPECT_TRUE(a->events().empty());
  c_.DropWatches();
  EXPECT_TRUE(b->closed());
  EXPECT_EQ(c_.open_watches(), 0u);
}

TEST_F(WatchTest, WatchWithoutSinkReturnsTheEventsSoFar) {
  Create("a");
  ApiRequest r;
  r.method = "GET";
  r.target = std::string(kCm) + "?watch=1";
  auto result = c_.Handle(r);
  EXPECT_FALSE(result.is_watch);
  EXPECT_EQ(result.response.status, 200);
  EXPECT_NE(result.response.body.find("\"type\":\"ADDED\""), std::string::npos);
  EXPECT_EQ(c_.open_watches(), 0u);
}

TEST_F(WatchTest, AllNamespacesAndLegacyWatchPath) {
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, "/api/v1/watch/configmaps?resourceVersion=" + std::to_string(c_.resource_version()), sink);
  Create("a");
  Call(c_, "POST", "/api/v1/namespaces/kube-system/configmaps", R"({"metadata":{"name":"b"}})");
  EXPECT_EQ(sink->events().size(), 2u);
  EXPECT_EQ(c_.counters().by_verb["watch"], 1);
}

}  // namespace
}  // namespace srfleet::kubesim
