#include "hub/store/sqlite_intent_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace srfleet::hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// absl::string_view is not std::string_view here; gmock prints it char by char.
std::string Message(const absl::Status& status) { return std::string(status.message()); }

// A fresh directory per test, removed afterwards.
class HubStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "hub_store_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp: " << errno;
    dir_ = tmpl;
    path_ = (std::filesystem::path(dir_) / "hub.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  SqliteStoreOptions Options(bool synchronous_full = true) const {
    SqliteStoreOptions o;
    o.path = path_;
    o.synchronous_full = synchronous_full;
    return o;
  }

  std::unique_ptr<IntentStore> OpenStore() {
    auto store = OpenSqliteIntentStore(Options());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static IntentRecord Intent(const std::string& ns, const std::string& name, const std::string& manifest,
                             const std::string& placement = "{}") {
    IntentRecord r;
    r.ns = ns;
    r.name = name;
    r.id = absl::StrCat(ns, "/", name);
    r.manifest_json = manifest;
    r.placement = placement;
    return r;
  }

  std::string dir_;
  std::string path_;
};

TEST(HubStoreSha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_F(HubStoreTest, EmptyStore) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->CurrentRevision(), 0);
  EXPECT_TRUE(store->ListIntents()->empty());
  EXPECT_TRUE(store->ListClusters()->empty());
  EXPECT_TRUE(absl::IsNotFound(store->GetIntent("llm/foo").status()));
  EXPECT_TRUE(absl::IsNotFound(store->History("llm/foo").status()));
  EXPECT_TRUE(absl::IsNotFound(store->DeleteIntent("llm/foo").status()));
}

TEST_F(HubStoreTest, PutReturnsWhatGetReads) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::Time before = absl::Now() - absl::Milliseconds(1);
  auto put = store->PutIntent(Intent("llm", "foo", R"({"spec":1})", R"({"clusters":["a"]})"), 0);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->id, "llm/foo");
  EXPECT_EQ(put->revision, 1);
  EXPECT_EQ(put->checksum, Sha256Hex(R"({"spec":1})"));  // filled in when empty
  EXPECT_EQ(put->created, put->updated);
  EXPECT_GE(put->updated, before);
  EXPECT_LE(put->updated, absl::Now());
  EXPECT_FALSE(put->deleted);

  auto got = store->GetIntent("llm/foo");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, put->id);
  EXPECT_EQ(got->ns, "llm");
  EXPECT_EQ(got->name, "foo");
  EXPECT_EQ(got->revision, put->revision);
  EXPECT_EQ(got->manifest_json, R"({"spec":1})");
  EXPECT_EQ(got->checksum, put->checksum);
  EXPECT_EQ(got->placement, R"({"clusters":["a"]})");
  EXPECT_EQ(got->created, put->created);
  EXPECT_EQ(got->updated, put->updated);
  EXPECT_FALSE(got->deleted);
}

TEST_F(HubStoreTest, GivenChecksumIsStoredAsIs) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  IntentRecord r = Intent("llm", "foo", "{}");
  r.checksum = "precomputed";
  ASSERT_TRUE(store->PutIntent(r, 0).ok());
  EXPECT_EQ(store->GetIntent("llm/foo")->checksum, "precomputed");
}

TEST_F(HubStoreTest, RejectsMalformedIds) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  IntentRecord r = Intent("llm", "foo", "{}");
  r.id = "llm/bar";
  EXPECT_TRUE(absl::IsInvalidArgument(store->PutIntent(r, 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store->PutIntent(Intent("", "foo", "{}"), 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store->PutIntent(Intent("llm", "foo", "{}"), -2).status()));
  EXPECT_EQ(*store->CurrentRevision(), 0);
}

TEST_F(HubStoreTest, RevisionsAreMonotonicAcrossIntents) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->PutIntent(Intent("llm", "a", "1"), 0)->revision, 1);
  EXPECT_EQ(store->PutIntent(Intent("llm", "b", "1"), 0)->revision, 2);
  EXPECT_EQ(store->PutIntent(Intent("llm", "a", "2"), 0)->revision, 3);
  EXPECT_EQ(*store->DeleteIntent("llm/b"), 4);
  EXPECT_EQ(store->PutIntent(Intent("ops", "c", "1"), 0)->revision, 5);
  EXPECT_EQ(*store->CurrentRevision(), 5);
  // A failed write takes no revision.
  EXPECT_FALSE(store->PutIntent(Intent("llm", "a", "3"), 1).ok());
  EXPECT_EQ(store->PutIntent(Intent("llm", "a", "3"), 3)->revision, 6);
}

TEST_F(HubStoreTest, HistoryShowsTombstonesAndBothLives) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto v1 = store->PutIntent(Intent("llm", "foo", "v1"), 0);
  absl::SleepFor(absl::Milliseconds(5));
  auto v2 = store->PutIntent(Intent("llm", "foo", "v2"), 0);
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_EQ(v2->created, v1->created);  // same incarnation
  EXPECT_GT(v2->updated, v1->updated);
  ASSERT_TRUE(store->PutIntent(Intent("llm", "other", "x"), 0).ok());
  auto tomb = store->DeleteIntent("llm/foo");
  ASSERT_TRUE(tomb.ok());
  EXPECT_TRUE(absl::IsNotFound(store->GetIntent("llm/foo").status()));
  EXPECT_TRUE(absl::IsNotFound(store->DeleteIntent("llm/foo").status()));
  absl::SleepFor(absl::Milliseconds(5));
  auto again = store->PutIntent(Intent("llm", "foo", "v3"), -1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_GT(again->created, v1->created);  // a new incarnation
  EXPECT_EQ(again->created, again->updated);

  auto history = store->History("llm/foo");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 4u);
  const auto& h = *history;
  EXPECT_EQ(h[0].revision, 1);
  EXPECT_EQ(h[0].manifest_json, "v1");
  EXPECT_EQ(h[1].revision, 2);
  EXPECT_EQ(h[1].manifest_json, "v2");
  EXPECT_EQ(h[2].revision, *tomb);
  EXPECT_TRUE(h[2].deleted);
  EXPECT_EQ(h[2].created, v1->created);  // the tombstone closes the first life
  EXPECT_EQ(h[2].ns, "llm");
  EXPECT_EQ(h[2].name, "foo");
  EXPECT_EQ(h[3].revision, again->revision);
  EXPECT_FALSE(h[3].deleted);
  EXPECT_EQ(h[3].manifest_json, "v3");
  EXPECT_EQ(store->GetIntent("llm/foo")->revision, again->revision);
}

TEST_F(HubStoreTest, ExpectedRevision) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Must not exist yet: fine for a new intent.
  auto r1 = store->PutIntent(Intent("llm", "foo", "v1"), -1);
  ASSERT_TRUE(r1.ok()) << r1.status();
  auto exists = store->PutIntent(Intent("llm", "foo", "v2"), -1);
  EXPECT_TRUE(absl::IsFailedPrecondition(exists.status()));
  EXPECT_THAT(Message(exists.status()), HasSubstr("already exists at revision 1"));

  // Filler on another intent so revisions and expectations differ.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->PutIntent(Intent("llm", "bar", "x"), 0).ok());
  auto r7 = store->PutIntent(Intent("llm", "foo", "v2"), 1);  // exact
  ASSERT_TRUE(r7.ok()) << r7.status();
  EXPECT_EQ(r7->revision, 7);
  auto stale = store->PutIntent(Intent("llm", "foo", "v3"), 5);
  EXPECT_TRUE(absl::IsFailedPrecondition(stale.status()));
  EXPECT_EQ(Message(stale.status()), "intent llm/foo is at revision 7, not 5");
  EXPECT_EQ(store->GetIntent("llm/foo")->manifest_json, "v2");  // unchanged

  // Unconditional always works.
  EXPECT_TRUE(store->PutIntent(Intent("llm", "foo", "v4"), 0).ok());

  // An expected revision on an absent or deleted intent fails.
  EXPECT_TRUE(absl::IsFailedPrecondition(store->PutIntent(Intent("llm", "new", "x"), 3).status()));
  auto tomb = store->DeleteIntent("llm/foo");
  ASSERT_TRUE(tomb.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store->PutIntent(Intent("llm", "foo", "x"), *tomb).status()));
  // ...while "must not exist" succeeds after a delete.
  EXPECT_TRUE(store->PutIntent(Intent("llm", "foo", "v5"), -1).ok());
}

TEST_F(HubStoreTest, ListIsLiveOnlyAndOrderedById) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const char* name : {"zeta", "alpha", "mid", "beta"}) {
    ASSERT_TRUE(store->PutIntent(Intent("llm", name, name), 0).ok());
  }
  ASSERT_TRUE(store->PutIntent(Intent("a-ns", "x", "x"), 0).ok());
  ASSERT_TRUE(store->PutIntent(Intent("llm", "alpha", "alpha2"), 0).ok());
  ASSERT_TRUE(store->DeleteIntent("llm/mid").ok());
  auto list = store->ListIntents();
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> ids;
  for (const auto& r : *list) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre("a-ns/x", "llm/alpha", "llm/beta", "llm/zeta"));
  EXPECT_EQ((*list)[1].manifest_json, "alpha2");  // the head, not an older revision
  for (const auto& r : *list) EXPECT_FALSE(r.deleted);
}

TEST_F(HubStoreTest, ClustersCrud) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ClusterRecord east;
  east.name = "east";
  east.labels = {{"region", "us-east"}, {"tier", "gold"}};
  east.registered = absl::FromUnixMillis(1'700'000'000'123);
  east.state = "Registered";
  east.state_since = east.registered;
  east.agent_labels = {{"k8s.version", "1.30"}, {"quoted", "a \"b\" \\ c\n\xc3\xa9"}};
  east.claims = {{"gpu", "h100"}};
  east.agent_version = "0.1.0";
  ClusterRecord west;
  west.name = "west";
  west.state = "Unknown";
  ASSERT_TRUE(store->PutCluster(west).ok());
  ASSERT_TRUE(store->PutCluster(east).ok());

  auto list = store->ListClusters();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  const ClusterRecord& got = (*list)[0];  // ordered by name
  EXPECT_EQ(got.name, "east");
  EXPECT_EQ(got.labels, east.labels);
  EXPECT_EQ(got.registered, east.registered);
  EXPECT_EQ(got.state, "Registered");
  EXPECT_EQ(got.state_since, east.state_since);
  EXPECT_EQ(got.agent_labels, east.agent_labels);
  EXPECT_EQ(got.claims, east.claims);
  EXPECT_EQ(got.agent_version, "0.1.0");
  EXPECT_EQ((*list)[1].name, "west");
  EXPECT_TRUE((*list)[1].labels.empty());

  absl::Time since = absl::FromUnixMillis(1'700'000'999'000);
  ASSERT_TRUE(store->SetClusterState("east", "Connected", since).ok());
  list = store->ListClusters();
  EXPECT_EQ((*list)[0].state, "Connected");
  EXPECT_EQ((*list)[0].state_since, since);
  EXPECT_EQ((*list)[0].labels, east.labels);  // untouched
  EXPECT_TRUE(absl::IsNotFound(store->SetClusterState("north", "Connected", since)));

  // Put replaces the whole record.
  ClusterRecord replaced;
  replaced.name = "east";
  replaced.state = "Disconnected";
  replaced.labels = {{"region", "eu"}};
  ASSERT_TRUE(store->PutCluster(replaced).ok());
  list = store->ListClusters();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].labels, replaced.labels);
  EXPECT_TRUE((*list)[0].claims.empty());
  EXPECT_EQ((*list)[0].agent_version, "");

  ASSERT_TRUE(store->DeleteCluster("east").ok());
  EXPECT_TRUE(absl::IsNotFound(store->DeleteCluster("east")));
  list = store->ListClusters();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "west");

  EXPECT_TRUE(absl::IsInvalidArgument(store->PutCluster(ClusterRecord{})));
  ClusterRecord bad_utf8;
  bad_utf8.name = "bad";
  bad_utf8.labels = {{"k", "\xff"}};
  EXPECT_TRUE(absl::IsInvalidArgument(store->PutCluster(bad_utf8)));
}

TEST_F(HubStoreTest, ReopenKeepsEverything) {
  int64_t last = 0;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutIntent(Intent("llm", "a", "a1"), 0).ok());
    ASSERT_TRUE(store->PutIntent(Intent("llm", "a", "a2", "P"), 0).ok());
    ASSERT_TRUE(store->PutIntent(Intent("llm", "gone", "g"), 0).ok());
    ASSERT_TRUE(store->DeleteIntent("llm/gone").ok());
    ClusterRecord c;
    c.name = "east";
    c.labels = {{"region", "us"}};
    c.state = "Connected";
    ASSERT_TRUE(store->PutCluster(c).ok());
    last = *store->CurrentRevision();
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->CurrentRevision(), last);
  auto a = store->GetIntent("llm/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->manifest_json, "a2");
  EXPECT_EQ(a->placement, "P");
  EXPECT_EQ(a->revision, 2);
  EXPECT_EQ(store->History("llm/a")->size(), 2u);
  EXPECT_TRUE(absl::IsNotFound(store->GetIntent("llm/gone").status()));
  EXPECT_EQ(store->History("llm/gone")->size(), 2u);
  auto clusters = store->ListClusters();
  ASSERT_EQ(clusters->size(), 1u);
  EXPECT_EQ((*clusters)[0].labels.at("region"), "us");
  EXPECT_EQ(store->PutIntent(Intent("llm", "b", "b"), 0)->revision, last + 1);
}

TEST_F(HubStoreTest, SecondOpenRefusedWhileFirstIsOpen) {
  auto first = OpenStore();
  ASSERT_NE(first, nullptr);
  auto second = OpenSqliteIntentStore(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status()));
  EXPECT_EQ(Message(second.status()),
            absl::StrCat("database ", path_, " is in use by another hub (lock ", path_, ".lock)"));
  // The refused open left the first one working.
  EXPECT_TRUE(first->PutIntent(Intent("llm", "a", "a"), 0).ok());
  first.reset();
  auto third = OpenSqliteIntentStore(Options());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ((*third)->GetIntent("llm/a")->manifest_json, "a");
}

TEST_F(HubStoreTest, UsesWalAndSchemaVersion) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto pragma = [db](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma("PRAGMA user_version"), "1");
  sqlite3_close(db);
}

TEST_F(HubStoreTest, RefusesANewerSchema) {
  { ASSERT_NE(OpenStore(), nullptr); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenSqliteIntentStore(Options());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status()));
  EXPECT_THAT(Message(store.status()), HasSubstr("schema version 99 is newer"));
}

TEST_F(HubStoreTest, RefusesAFileThatIsNotADatabase) {
  {
    std::ofstream out(path_);
    out << std::string(8192, 'g');
  }
  auto store = OpenSqliteIntentStore(Options());
  EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
  EXPECT_THAT(Message(store.status()), HasSubstr(path_));
}

TEST_F(HubStoreTest, OpenFailsCleanlyWithoutDirectory) {
  SqliteStoreOptions o = Options();
  o.path = dir_ + "/missing/hub.db";
  auto store = OpenSqliteIntentStore(o);
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(Message(store.status()), HasSubstr("missing/hub.db"));
}

TEST_F(HubStoreTest, CompactHistoryKeepsNewestAndHeads) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store->PutIntent(Intent("llm", "a", absl::StrCat("a", i)), 0).ok());
  ASSERT_TRUE(store->PutIntent(Intent("llm", "b", "b1"), 0).ok());
  ASSERT_TRUE(store->PutIntent(Intent("llm", "c", "c1"), 0).ok());
  ASSERT_TRUE(store->PutIntent(Intent("llm", "c", "c2"), 0).ok());
  auto c_tomb = store->DeleteIntent("llm/c");
  ASSERT_TRUE(c_tomb.ok());
  const int64_t before = *store->CurrentRevision();

  EXPECT_TRUE(absl::IsInvalidArgument(store->CompactHistory(0)));
  ASSERT_TRUE(store->CompactHistory(2).ok());
  auto a = store->History("llm/a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].manifest_json, "a4");
  EXPECT_EQ((*a)[1].manifest_json, "a5");
  EXPECT_EQ(store->History("llm/b")->size(), 1u);
  auto c = store->History("llm/c");
  ASSERT_EQ(c->size(), 2u);  // the tombstone counts as a revision
  EXPECT_EQ((*c)[0].manifest_json, "c2");
  EXPECT_TRUE((*c)[1].deleted);

  ASSERT_TRUE(store->CompactHistory(1).ok());
  EXPECT_EQ(store->History("llm/a")->size(), 1u);
  EXPECT_EQ(store->GetIntent("llm/a")->manifest_json, "a5");  // the head survives
  EXPECT_EQ(store->GetIntent("llm/b")->manifest_json, "b1");
  c = store->History("llm/c");
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].revision, *c_tomb);
  EXPECT_TRUE(absl::IsNotFound(store->GetIntent("llm/c").status()));

  // Compaction never lowers the counter, and re-creation keeps working.
  EXPECT_EQ(*store->CurrentRevision(), before);
  EXPECT_EQ(store->PutIntent(Intent("llm", "c", "c3"), -1)->revision, before + 1);
  auto a6 = store->PutIntent(Intent("llm", "a", "a6"), store->GetIntent("llm/a")->revision);
  ASSERT_TRUE(a6.ok()) << a6.status();
  EXPECT_EQ(a6->revision, before + 2);
}

TEST_F(HubStoreTest, ConcurrentWritersGetDistinctRevisions) {
  auto opened = OpenSqliteIntentStore(Options(/*synchronous_full=*/false));
  ASSERT_TRUE(opened.ok()) << opened.status();
  IntentStore* store = opened->get();
  constexpr int kThreads = 4, kWrites = 50;
  std::vector<std::vector<int64_t>> revisions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        auto r = store->PutIntent(Intent("llm", absl::StrCat("t", t % 2), absl::StrCat(t, ":", i)), 0);
        if (r.ok()) revisions[t].push_back(r->revision);
        if (i % 10 == 0) (void)store->ListIntents();
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& rs : revisions) {
    EXPECT_EQ(rs.size(), static_cast<size_t>(kWrites));
    EXPECT_TRUE(std::is_sorted(rs.begin(), rs.end()));
    all.insert(rs.begin(), rs.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kWrites));
  EXPECT_EQ(*all.rbegin(), kThreads * kWrites);
  EXPECT_EQ(*store->CurrentRevision(), kThreads * kWrites);
}

// Every write the store acknowledged before a SIGKILL is there afterwards.
TEST_F(HubStoreTest, AcknowledgedWritesSurviveSigkill) {
  constexpr int kIds = 7;
  constexpr int kAcks = 50;
  struct Ack {
    int64_t revision;
    int64_t seq;
  };
  auto manifest = [](int64_t seq) {
    return absl::StrCat(R"({"seq":)", seq, R"(,"pad":")", std::string(200, 'x'), "\"}");
  };

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: write until killed; ack each revision only after PutIntent returned.
    close(fds[0]);
    auto store = OpenSqliteIntentStore(Options(/*synchronous_full=*/true));
    if (!store.ok()) _exit(2);
    for (int64_t seq = 0; seq < 1'000'000; ++seq) {
      auto r = (*store)->PutIntent(Intent("llm", absl::StrCat("crash-", seq % kIds), manifest(seq)), 0);
      if (!r.ok()) _exit(3);
      Ack ack{r->revision, seq};
      if (write(fds[1], &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) _exit(4);
    }
    _exit(0);
  }
  close(fds[1]);
  std::vector<Ack> acks;
  while (acks.size() < static_cast<size_t>(kAcks)) {
    Ack ack;
    size_t got = 0;
    while (got < sizeof(ack)) {
      ssize_t n = read(fds[0], reinterpret_cast<char*>(&ack) + got, sizeof(ack) - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got < sizeof(ack)) break;
    acks.push_back(ack);
  }
  // Kill mid-stream: the child is very likely inside a transaction now.
  kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  close(fds[0]);
  ASSERT_EQ(acks.size(), static_cast<size_t>(kAcks))
      << "child stopped early: " << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
  ASSERT_TRUE(WIFSIGNALED(wstatus));

  // The kernel released the lock; the database opens and recovers.
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::map<int64_t, std::string> stored;  // revision -> manifest
  for (int i = 0; i < kIds; ++i) {
    auto history = store->History(absl::StrCat("llm/crash-", i));
    ASSERT_TRUE(history.ok()) << history.status();
    for (const auto& r : *history) stored[r.revision] = r.manifest_json;
  }
  for (const Ack& ack : acks) {
    auto it = stored.find(ack.revision);
    ASSERT_NE(it, stored.end()) << "acknowledged revision " << ack.revision << " lost";
    EXPECT_EQ(it->second, manifest(ack.seq));
  }
  EXPECT_GE(*store->CurrentRevision(), acks.back().revision);
  // Revisions stay dense and increasing: nothing half-written.
  int64_t expect = 1;
  for (const auto& [revision, m] : stored) EXPECT_EQ(revision, expect++);
  EXPECT_TRUE(store->PutIntent(Intent("llm", "after", "{}"), 0).ok());
}

}  // namespace
}  // namespace srfleet::hub
