// The pure parts of the hub link: claims, CR -> RouterStatus, the object an
// upsert applies, intent ids.
#include <gtest/gtest.h>

#include "agent/hublink/claims.h"
#include "agent/hublink/fleet_metadata.h"
#include "agent/hublink/intent_materializer.h"
#include "agent/hublink/router_status.h"
#include "tests/agent/hublink/hublink_test_support.h"

namespace srfleet::agent::hublink {
namespace {

using testing::HubManagedRouter;
using testing::RouterManifest;
using testing::UpsertOf;

TEST(ClaimsTest, FromPlatformFacts) {
  render::PlatformFacts facts{true, false, true, "v1.29.4+rhcos"};
  std::map<std::string, std::string> claims = ClaimsFromPlatform(facts);
  EXPECT_EQ(claims, (std::map<std::string, std::string>{{"srfleet.io/platform", "openshift"},
                                                        {"srfleet.io/kubernetes-version", "1.29"},
                                                        {"srfleet.io/gateway-api", "false"},
                                                        {"srfleet.io/kserve", "true"}}));
  facts = {false, true, false, ""};
  claims = ClaimsFromPlatform(facts);
  EXPECT_EQ(claims.at("srfleet.io/platform"), "kubernetes");
  EXPECT_EQ(claims.at("srfleet.io/gateway-api"), "true");
  EXPECT_EQ(claims.count("srfleet.io/kubernetes-version"), 0u);
}

TEST(ClaimsTest, MajorMinor) {
  EXPECT_EQ(MajorMinor("v1.30.2"), "1.30");
  EXPECT_EQ(MajorMinor("1.29"), "1.29");
  EXPECT_EQ(MajorMinor("v1.28.3-gke.100"), "1.28");
  EXPECT_EQ(MajorMinor("v1"), "");
  EXPECT_EQ(MajorMinor("latest"), "");
  EXPECT_EQ(MajorMinor(""), "");
}

TEST(FleetMetadataTest, MarksOnlyOnHubManagedRouters) {
  Json hub = HubManagedRouter("llm", "a", 12, "abc");
  std::optional<IntentMarks> marks = IntentMarksOf(hub);
  ASSERT_TRUE(marks.has_value());
  EXPECT_EQ(marks->intent_id, "llm/a");
  EXPECT_EQ(marks->revision, 12);
  EXPECT_EQ(marks->checksum, "abc");
  EXPECT_TRUE(IsHubManaged(hub));

  Json local = RouterManifest("llm", "b");
  EXPECT_FALSE(IsHubManaged(local));
  EXPECT_FALSE(IntentMarksOf(local).has_value());
  // Annotations without the label: still local.
  local["metadata"]["annotations"] = hub["metadata"]["annotations"];
  EXPECT_FALSE(IntentMarksOf(local).has_value());

  hub["metadata"]["annotations"][kRevisionAnnotation] = "not-a-number";
  EXPECT_EQ(IntentMarksOf(hub)->revision, 0);
}

TEST(FleetMetadataTest, SplitIntentId) {
  auto ok = SplitIntentId("llm/router");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "llm");
  EXPECT_EQ(ok->second, "router");
  for (const char* bad : {"", "llm", "/x", "x/", "a/b/c"}) EXPECT_FALSE(SplitIntentId(bad).ok()) << bad;
}

TEST(DesiredRouterTest, MarksTheManifestAndDropsServerFields) {
  Json manifest = RouterManifest("elsewhere", "other");
  manifest["metadata"]["labels"] = {{"team", "search"}};
  manifest["metadata"]["resourceVersion"] = "42";
  manifest["metadata"]["uid"] = "u-1";
  manifest["status"] = {{"phase", "Running"}};
  fleet::v1::HubMessage m = UpsertOf("n", manifest, 3);
  m.mutable_upsert()->set_namespace_("llm");
  m.mutable_upsert()->set_name("router");
  absl::StatusOr<Json> desired = DesiredRouter(m.upsert());
  ASSERT_TRUE(desired.ok()) << desired.status();
  EXPECT_EQ((*desired)["metadata"]["namespace"], "llm");
  EXPECT_EQ((*desired)["metadata"]["name"], "router");
  EXPECT_EQ((*desired)["metadata"]["labels"]["team"], "search");
  EXPECT_EQ((*desired)["metadata"]["labels"][kManagedByLabel], kManagedByValue);
  EXPECT_EQ((*desired)["metadata"]["annotations"][kRevisionAnnotation], "3");
  EXPECT_EQ((*desired)["metadata"]["annotations"][kChecksumAnnotation], m.upsert().checksum());
  EXPECT_EQ((*desired)["metadata"]["annotations"][kIntentIdAnnotation], m.upsert().intent_id());
  EXPECT_FALSE((*desired)["metadata"].contains("resourceVersion"));
  EXPECT_FALSE((*desired)["metadata"].contains("uid"));
  EXPECT_FALSE(desired->contains("status"));
  EXPECT_EQ((*desired)["spec"], manifest["spec"]);
}

TEST(DesiredRouterTest, RefusesWhatIsNotASemanticRouter) {
  fleet::v1::HubMessage m = UpsertOf("n", RouterManifest("llm", "r"), 1);
  m.mutable_upsert()->set_manifest_json("{not json");
  EXPECT_FALSE(DesiredRouter(m.upsert()).ok());
  m.mutable_upsert()->set_manifest_json("[1,2]");
  EXPECT_FALSE(DesiredRouter(m.upsert()).ok());
  m.mutable_upsert()->set_manifest_json(R"({"apiVersion":"v1","kind":"ConfigMap"})");
  EXPECT_FALSE(DesiredRouter(m.upsert()).ok());
  // apiVersion and kind may be left out.
  m.mutable_upsert()->set_manifest_json(R"({"spec":{}})");
  absl::StatusOr<Json> filled = DesiredRouter(m.upsert());
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ((*filled)["kind"], "SemanticRouter");
}

TEST(RouterStatusTest, FromObject) {
  Json router = HubManagedRouter("llm", "a", 5, "abc");
  router["metadata"]["generation"] = 4;
  router["status"] = {{"phase", "Degraded"},
                      {"replicas", 2},
                      {"readyReplicas", 1},
                      {"observedGeneration", 3},
                      {"conditions", Json::array({{{"type", "Available"},
                                                   {"status", "True"},
                                                   {"reason", "MinimumReplicasAvailable"},
                                                   {"message", "1/2 ready"},
                                                   {"lastTransitionTime", "2024-05-01T10:00:00Z"}}})},
                      {"backends", Json::array({{{"name", "qwen"},
                                                 {"model", "q"},
                                                 {"endpoint", "vllm-qwen.llm.svc.cluster.local:8000"},
                                                 {"protocol", "http"},
                                                 {"resolved", true}},
                                                {{"name", "mistral"},
                                                 {"model", "m"},
                                                 {"resolved", false},
                                                 {"message", "InferenceService llm/mistral not found"}}})}};
  fleet::v1::RouterStatus s = RouterStatusFromObject(router, 1234);
  EXPECT_EQ(s.namespace_(), "llm");
  EXPECT_EQ(s.name(), "a");
  EXPECT_EQ(s.intent_id(), "llm/a");
  EXPECT_EQ(s.intent_revision(), 5);
  EXPECT_EQ(s.phase(), "Degraded");
  EXPECT_EQ(s.replicas(), 2);
  EXPECT_EQ(s.ready_replicas(), 1);
  EXPECT_EQ(s.generation(), 4);
  EXPECT_EQ(s.observed_generation(), 3);
  EXPECT_EQ(s.observed_unix_ms(), 1234);
  ASSERT_EQ(s.conditions_size(), 1);
  EXPECT_EQ(s.conditions(0).type(), "Available");
  EXPECT_EQ(s.conditions(0).status(), "True");
  EXPECT_EQ(s.conditions(0).reason(), "MinimumReplicasAvailable");
  EXPECT_EQ(s.conditions(0).message(), "1/2 ready");
  EXPECT_EQ(s.conditions(0).last_transition_unix(), 1714557600);
  ASSERT_EQ(s.backends_size(), 2);
  EXPECT_EQ(s.backends(0), "qwen=vllm-qwen.llm.svc.cluster.local:8000 (resolved)");
  EXPECT_EQ(s.backends(1), "mistral (unresolved: InferenceService llm/mistral not found)");

  // A local router, no status yet: empty/0, never a crash.
  Json local = RouterManifest("llm", "b");
  local["status"] = "garbage";
  fleet::v1::RouterStatus l = RouterStatusFromObject(local, 1);
  EXPECT_EQ(l.intent_id(), "");
  EXPECT_EQ(l.intent_revision(), 0);
  EXPECT_EQ(l.phase(), "");
}

TEST(RouterStatusTest, SameIgnoresObservedTime) {
  Json router = RouterManifest("llm", "a");
  router["status"] = {{"phase", "Running"}};
  fleet::v1::RouterStatus a = RouterStatusFromObject(router, 1);
  fleet::v1::RouterStatus b = RouterStatusFromObject(router, 2);
  EXPECT_TRUE(SameRouterStatus(a, b));
  router["status"]["phase"] = "Pending";
  EXPECT_FALSE(SameRouterStatus(a, RouterStatusFromObject(router, 1)));
}

TEST(RouterStatusTest, KubeTime) {
  EXPECT_EQ(KubeTimeToUnix("1970-01-01T00:01:00Z"), 60);
  EXPECT_EQ(KubeTimeToUnix("2024-05-01T10:00:00.123456Z"), 1714557600);
  EXPECT_EQ(KubeTimeToUnix(""), 0);
  EXPECT_EQ(KubeTimeToUnix("yesterday"), 0);
}

}  // namespace
}  // namespace srfleet::agent::hublink
