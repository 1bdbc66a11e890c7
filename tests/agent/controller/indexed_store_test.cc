// IndexedStore: the informer's store, its relist diff and its indexes.
#include "agent/controller/indexed_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace srfleet::agent {
namespace {

Json Obj(const std::string& ns, const std::string& name, const std::string& rv, Json labels = Json::object(),
         std::vector<std::string> owner_uids = {}) {
  Json o = {{"metadata", {{"name", name}, {"resourceVersion", rv}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!labels.empty()) o["metadata"]["labels"] = std::move(labels);
  for (const std::string& uid : owner_uids) {
    o["metadata"]["ownerReferences"].push_back({{"apiVersion", "v1"}, {"kind", "X"}, {"name", "o"}, {"uid", uid}});
  }
  return o;
}

ObjectPtr Ptr(Json j) { return std::make_shared<const Json>(std::move(j)); }

std::vector<std::string> Names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const ObjectPtr& o : objects) {
    out.push_back(KeyOf(*o).ns + "/" + KeyOf(*o).name);
  }
  return out;
}

std::string Describe(const StoreChange& c) {
  const char* type = c.type == StoreChange::Type::kAdd ? "add" : c.type == StoreChange::Type::kUpdate ? "update" : "delete";
  return std::string(type) + " " + KeyOf(*c.object).name;
}

TEST(IndexedStoreTest, UpsertReportsAddThenUpdateWithTheOldObject) {
  IndexedStore s;
  auto add = s.Upsert(Ptr(Obj("a", "x", "1")));
  ASSERT_TRUE(add);
  EXPECT_EQ(add->type, StoreChange::Type::kAdd);
  EXPECT_EQ(add->old_object, nullptr);
  auto update = s.Upsert(Ptr(Obj("a", "x", "2")));
  ASSERT_TRUE(update);
  EXPECT_EQ(update->type, StoreChange::Type::kUpdate);
  EXPECT_EQ((*update->old_object)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ((*update->object)["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.Upsert(Ptr(Json{{"metadata", Json::object()}})));  // nameless: ignored
  EXPECT_FALSE(s.Upsert(Ptr(Json::array())));                       // not even an object
}

TEST(IndexedStoreTest, EraseReportsTheLastStateAndIgnoresUnknownObjects) {
  IndexedStore s;
  s.Upsert(Ptr(Obj("a", "x", "1")));
  EXPECT_FALSE(s.Erase(Ptr(Obj("a", "y", "5"))));
  auto erased = s.Erase(Ptr(Obj("a", "x", "3")));
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->type, StoreChange::Type::kDelete);
  EXPECT_EQ((*erased->object)["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(s.size(), 0u);
}

TEST(IndexedStoreTest, ReplaceComputesAddsChangedUpdatesAndDeletes) {
  IndexedStore s;
  s.Replace({Obj("a", "keep", "1"), Obj("a", "change", "1"), Obj("b", "gone", "1")});
  std::vector<std::string> seen;
  for (const StoreChange& c : s.Replace({Obj("a", "keep", "1"), Obj("a", "change", "2"), Obj("c", "new", "3")})) {
    seen.push_back(Describe(c));
  }
  // Sorted by key; an unchanged resourceVersion is no event.
  EXPECT_EQ(seen, (std::vector<std::string>{"update change", "delete gone", "add new"}));
  EXPECT_EQ(Names(s.All()), (std::vector<std::string>{"a/change", "a/keep", "c/new"}));
  EXPECT_TRUE(s.Replace({}).size() == 3);
  EXPECT_EQ(s.size(), 0u);
}

TEST(IndexedStoreTest, ListByNamespaceAndLabelsIsSorted) {
  IndexedStore s;
  s.Upsert(Ptr(Obj("b", "z", "1", {{"app", "r"}})));
  s.Upsert(Ptr(Obj("a", "y", "1", {{"app", "r"}, {"tier", "x"}})));
  s.Upsert(Ptr(Obj("a", "x", "1")));
  s.Upsert(Ptr(Obj("ab", "w", "1", {{"app", "r"}})));
  s.Upsert(Ptr(Obj("", "cluster", "1", {{"app", "r"}})));
  EXPECT_EQ(Names(s.List("", {})), (std::vector<std::string>{"/cluster", "a/x", "a/y", "ab/w", "b/z"}));
  EXPECT_EQ(Names(s.List("a", {})), (std::vector<std::string>{"a/x", "a/y"}));
  EXPECT_EQ(Names(s.List("", {{"app", "r"}})), (std::vector<std::string>{"/cluster", "a/y", "ab/w", "b/z"}));
  EXPECT_EQ(Names(s.List("a", {{"app", "r"}, {"tier", "x"}})), (std::vector<std::string>{"a/y"}));
  EXPECT_TRUE(s.List("a", {{"app", "other"}}).empty());
  EXPECT_TRUE(s.List("none", {}).empty());
  EXPECT_EQ(s.Find(StoreKey{"", "cluster"}) != nullptr, true);
  EXPECT_EQ(s.Find(StoreKey{"a", "cluster"}), nullptr);
}

TEST(IndexedStoreTest, OwnerIndexFollowsUpdatesDeletesAndRelists) {
  IndexedStore s;
  s.Upsert(Ptr(Obj("a", "x", "1", {}, {"u1"})));
  s.Upsert(Ptr(Obj("a", "y", "1", {}, {"u1", "u2"})));
  EXPECT_EQ(Names(s.ListOwnedBy("u1")), (std::vector<std::string>{"a/x", "a/y"}));
  EXPECT_EQ(Names(s.ListOwnedBy("u2")), (std::vector<std::string>{"a/y"}));
  s.Upsert(Ptr(Obj("a", "x", "2", {}, {"u2"})));  // owner changed
  EXPECT_EQ(Names(s.ListOwnedBy("u1")), (std::vector<std::string>{"a/y"}));
  EXPECT_EQ(Names(s.ListOwnedBy("u2")), (std::vector<std::string>{"a/x", "a/y"}));
  s.Erase(Ptr(Obj("a", "y", "3")));
  EXPECT_TRUE(s.ListOwnedBy("u1").empty());
  s.Replace({Obj("b", "z", "4", {}, {"u3"})});
  EXPECT_TRUE(s.ListOwnedBy("u2").empty());
  EXPECT_EQ(Names(s.ListOwnedBy("u3")), (std::vector<std::string>{"b/z"}));
}

TEST(IndexedStoreTest, LabelsMatchNeedsStringEquality) {
  const Json o = Obj("a", "x", "1", {{"app", "r"}, {"n", 1}});
  EXPECT_TRUE(LabelsMatch(o, {}));
  EXPECT_TRUE(LabelsMatch(o, {{"app", "r"}}));
  EXPECT_FALSE(LabelsMatch(o, {{"app", "R"}}));
  EXPECT_FALSE(LabelsMatch(o, {{"n", "1"}}));  // not a string label: no match, no throw
  EXPECT_FALSE(LabelsMatch(Obj("a", "x", "1"), {{"app", "r"}}));
}

}  // namespace
}  // namespace srfleet::agent
