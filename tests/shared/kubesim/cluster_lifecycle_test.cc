// Deletion: finalizers, preconditions, ownerReference garbage collection
// (Background, Foreground, Orphan) and namespace termination.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "shared/kubesim/cluster.h"
#include "tests/shared/kubesim/cluster_test_support.h"

namespace srfleet::kubesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace srfleet::kubesim::testing;

constexpr char kCm[] = "/api/v1/namespaces/default/configmaps";
constexpr char kSecrets[] = "/api/v1/namespaces/default/secrets";

class LifecycleTest : public ::testing::Test {
 protected:
  Cluster c_{TestOptions()};

  Json Create(const std::string& path, const std::string& body) {
    auto r = Call(c_, "POST", path, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return BodyOf(r);
  }
  Json Owner(const std::string& name) {
    return Create(kCm, R"({"metadata":{"name":")" + name + R"("}})");
  }
  // A Secret owned by each of `owners`.
  Json Dependent(const std::string& name, const std::vector<Json>& owners, bool block = false,
                 const std::string& finalizers = "") {
    Json refs = Json::array();
    for (const auto& o : owners) {
      Json ref = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"name", o["metadata"]["name"]},
                  {"uid", o["metadata"]["uid"]}};
      if (block) ref["blockOwnerDeletion"] = true;
      refs.push_back(ref);
    }
    Json body = {{"metadata", {{"name", name}, {"ownerReferences", refs}}}};
    if (!finalizers.empty()) body["metadata"]["finalizers"] = Json::array({finalizers});
    return Create(kSecrets, body.dump());
  }
  int Status(const std::string& path) { return Call(c_, "GET", path).status; }
  ApiResponse Delete(const std::string& path, const std::string& body = "") {
    return Call(c_, "DELETE", path, body);
  }
};

TEST_F(LifecycleTest, FinalizersHoldDeletionUntilRemoved) {
  Create(kCm, R"({"metadata":{"name":"held","finalizers":["example.com/hold"]}})");
  auto sink = std::make_shared<RecordingSink>();
  Watch(c_, std::string(kCm) + "?watch=1&resourceVersion=" + std::to_string(c_.resource_version()), sink);
  auto del = Delete(std::string(kCm) + "/held");
  ASSERT_EQ(del.status, 200);
  Json obj = BodyOf(del);
  EXPECT_EQ(obj["kind"], "ConfigMap");  // the object, not a Status
  EXPECT_EQ(obj["metadata"]["deletionTimestamp"], "2026-11-21T12:00:31Z");
  EXPECT_EQ(obj["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_EQ(Status(std::string(kCm) + "/held"), 200);
  // Deleting again changes nothing.
  EXPECT_EQ(BodyOf(Delete(std::string(kCm) + "/held"))["metadata"]["resourceVersion"],
            obj["metadata"]["resourceVersion"]);
  // No new finalizers while deleting.
  auto add = Call(c_, "PATCH", std::string(kCm) + "/held",
                  R"({"metadata":{"finalizers":["example.com/hold","example.com/more"]}})",
                  "application/merge-patch+json");
  EXPECT_EQ(add.status, 422);
  EXPECT_THAT(BodyOf(add)["message"].get<std::string>(),
              HasSubstr("no new finalizers can be added if the object is being deleted"));
  // Removing the last finalizer deletes it.
  auto rm = Call(c_, "PATCH", std::string(kCm) + "/held", R"({"metadata":{"finalizers":null}})",
                 "application/merge-patch+json");
  EXPECT_EQ(rm.status, 200);
  EXPECT_EQ(Status(std::string(kCm) + "/held"), 404);
  std::vector<std::string> types;
  for (const auto& e : sink->events()) types.push_back(e["type"]);
  EXPECT_THAT(types, ElementsAre("MODIFIED", "DELETED"));
}

TEST_F(LifecycleTest, PreconditionsGuardDeletes) {
  Json cm = Owner("a");
  auto r = Delete(std::string(kCm) + "/a", R"({"preconditions":{"uid":"nope"}})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(BodyOf(r)["message"], "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: UID in "
                                  "precondition: nope, UID in object meta: " +
                                      cm["metadata"]["uid"].get<std::string>());
  r = Delete(std::string(kCm) + "/a", R"({"preconditions":{"resourceVersion":"1"}})");
  EXPECT_EQ(r.status, 409);
  r = Delete(std::string(kCm) + "/a",
             R"({"preconditions":{"uid":")" + cm["metadata"]["uid"].get<std::string>() + R"("}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Delete(std::string(kCm) + "/a").status, 404);
}

TEST_F(LifecycleTest, BackgroundDeletionCollectsDependents) {
  Json owner = Owner("owner");
  Dependent("d1", {owner});
  Dependent("d2", {owner});
  Json other = Owner("other");
  Dependent("shared", {owner, other});
  ASSERT_EQ(Delete(std::string(kCm) + "/owner").status, 200);
  EXPECT_EQ(Status(std::string(kSecrets) + "/d1"), 404);
  EXPECT_EQ(Status(std::string(kSecrets) + "/d2"), 404);
  // A dependent with another live owner stays, minus the dangling reference.
  Json shared = BodyOf(Call(c_, "GET", std::string(kSecrets) + "/shared"));
  ASSERT_EQ(shared["metadata"]["ownerReferences"].size(), 1u);
  EXPECT_EQ(shared["metadata"]["ownerReferences"][0]["name"], "other");
}

TEST_F(LifecycleTest, ForegroundDeletionWaitsForBlockingDependents) {
  Json owner = Owner("owner");
  Dependent("blocker", {owner}, /*block=*/true, "example.com/hold");
  Dependent("plain", {owner});
  auto r = Delete(std::string(kCm) + "/owner", R"({"propagationPolicy":"Foreground"})");
  ASSERT_EQ(r.status, 200);
  Json obj = BodyOf(r);
  EXPECT_THAT(obj["metadata"]["finalizers"], ::testing::Contains("foregroundDeletion"));
  EXPECT_TRUE(obj["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Status(std::string(kSecrets) + "/plain"), 404);
  // The blocker is terminating and holds the owner.
  Json blocker = BodyOf(Call(c_, "GET", std::string(kSecrets) + "/blocker"));
  EXPECT_TRUE(blocker["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Status(std::string(kCm) + "/owner"), 200);
  auto rm = Call(c_, "PATCH", std::string(kSecrets) + "/blocker", R"({"metadata":{"finalizers":null}})",
                 "application/merge-patch+json");
  ASSERT_EQ(rm.status, 200) << rm.body;
  EXPECT_EQ(Status(std::string(kSecrets) + "/blocker"), 404);
  EXPECT_EQ(Status(std::string(kCm) + "/owner"), 404);
}

TEST_F(LifecycleTest, ForegroundWithoutDependentsStillGoes) {
  Owner("lonely");
  auto r = Call(c_, "DELETE", std::string(kCm) + "/lonely?propagationPolicy=Foreground");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Status(std::string(kCm) + "/lonely"), 404);
}

TEST_F(LifecycleTest, OrphanKeepsDependentsWithoutTheReference) {
  Json owner = Owner("owner");
  Dependent("d1", {owner});
  auto r = Delete(std::string(kCm) + "/owner", R"({"propagationPolicy":"Orphan"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Status(std::string(kCm) + "/owner"), 404);
  Json d1 = BodyOf(Call(c_, "GET", std::string(kSecrets) + "/d1"));
  EXPECT_FALSE(d1["metadata"].contains("ownerReferences"));
  auto bad = Delete(std::string(kSecrets) + "/d1", R"({"propagationPolicy":"Sideways"})");
  EXPECT_EQ(bad.status, 422);
}

TEST_F(LifecycleTest, DeletingADeploymentReturnsAStatus) {
  Call(c_, "POST", "/apis/apps/v1/namespaces/default/deployments",
       R"({"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x:1"}]}}}})");
  Json s = BodyOf(Call(c_, "DELETE", "/apis/apps/v1/namespaces/default/deployments/web"));
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["details"]["group"], "apps");
  EXPECT_EQ(s["details"]["kind"], "deployments");
}

TEST_F(LifecycleTest, NamespaceDeletionRemovesContents) {
  Create("/api/v1/namespaces", R"({"metadata":{"name":"team"}})");
  Create("/api/v1/namespaces/team/configmaps", R"({"metadata":{"name":"a"}})");
  Create("/api/v1/namespaces/team/secrets", R"({"metadata":{"name":"b"}})");
  auto r = Delete("/api/v1/namespaces/team");
  ASSERT_EQ(r.status, 200);
  Json ns = BodyOf(r);
  EXPECT_EQ(ns["kind"], "Namespace");
  EXPECT_EQ(ns["status"]["phase"], "Terminating");
  EXPECT_EQ(Status("/api/v1/namespaces/team"), 404);
  EXPECT_EQ(Status("/api/v1/namespaces/team/configmaps/a"), 404);
  auto forbidden = Delete("/api/v1/namespaces/default");
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(BodyOf(forbidden)["message"], "namespaces \"default\" is forbidden: this namespace may not be deleted");
}

TEST_F(LifecycleTest, TerminatingNamespaceRefusesNewContent) {
  Create("/api/v1/namespaces", R"({"metadata":{"name":"team"}})");
  Create("/api/v1/namespaces/team/configmaps", R"({"metadata":{"name":"held","finalizers":["x.io/hold"]}})");
  Delete("/api/v1/namespaces/team");
  EXPECT_EQ(Status("/api/v1/namespaces/team"), 200);  // held by its content
  auto r = Call(c_, "POST", "/api/v1/namespaces/team/configmaps", R"({"metadata":{"name":"new"}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(BodyOf(r)["message"],
            "configmaps \"new\" is forbidden: unable to create new content in namespace team because it is being "
            "terminated");
  Call(c_, "PATCH", "/api/v1/namespaces/team/configmaps/held", R"({"metadata":{"finalizers":null}})",
       "application/merge-patch+json");
  EXPECT_EQ(Status("/api/v1/namespaces/team"), 404);
}

TEST_F(LifecycleTest, DeleteCollectionBySelector) {
  Create(kCm, R"({"metadata":{"name":"a","labels":{"x":"1"}}})");
  Create(kCm, R"({"metadata":{"name":"b","labels":{"x":"1"}}})");
  Create(kCm, R"({"metadata":{"name":"c"}})");
  auto r = Call(c_, "DELETE", std::string(kCm) + "?labelSelector=x%3D1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["kind"], "ConfigMapList");
  EXPECT_EQ(BodyOf(r)["items"].size(), 2u);
  EXPECT_EQ(BodyOf(Call(c_, "GET", kCm))["items"].size(), 1u);
}

}  // namespace
}  // namespace srfleet::kubesim

namespace srfleet::kubesim {
namespace {

using namespace srfleet::kubesim::testing;

// Cascades stay linear: thousands of dependents and a namespace full of
// objects go in well under a second, not in quadratic time.
TEST(LifecycleScaleTest, LargeCascadesStayFast) {
  Cluster c(TestOptions());
  ASSERT_EQ(Call(c, "POST", "/api/v1/namespaces", R"({"metadata":{"name":"big"}})").status, 201);
  Json owner = BodyOf(Call(c, "POST", "/api/v1/namespaces/big/configmaps", R"({"metadata":{"name":"owner"}})"));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    Json body = {{"metadata",
                  {{"name", "d" + std::to_string(i)},
                   {"ownerReferences",
                    Json::array({{{"apiVersion", "v1"},
                                  {"kind", "ConfigMap"},
                                  {"name", "owner"},
                                  {"uid", owner["metadata"]["uid"]}}})}}}};
    ASSERT_EQ(Call(c, "POST", "/api/v1/namespaces/big/secrets", body.dump()).status, 201);
  }
  ASSERT_EQ(Call(c, "DELETE", "/api/v1/namespaces/big/configmaps/owner").status, 200);
  EXPECT_EQ(BodyOf(Call(c, "GET", "/api/v1/namespaces/big/secrets"))["items"].size(), 0u);
  for (int i = 0; i < 2000; ++i) {
    Call(c, "POST", "/api/v1/namespaces/big/configmaps", R"({"metadata":{"name":"c)" + std::to_string(i) + "\"}}");
  }
  ASSERT_EQ(Call(c, "DELETE", "/api/v1/namespaces/big").status, 200);
  EXPECT_EQ(Call(c, "GET", "/api/v1/namespaces/big").status, 404);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("4000 creates, a 2000-dependent cascade and a 2000-object namespace deletion: %.2f s\n", seconds);
  EXPECT_LT(seconds, 30.0);
}

}  // namespace
}  // namespace srfleet::kubesim
