// PlanApply: what differs is applied, what is equal is left alone, names
// taken by others are refused, and only objects this router controls and no
// longer wants are pruned.
#include "agent/reconcile/apply_plan.h"

#include <gtest/gtest.h>

#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/object_compare.h"
#include "agent/reconcile/owner_refs.h"
#include "tests/agent/reconcile/fake_cache.h"

namespace srfleet::agent {
namespace {

using testing::Object;

const Json kRouter = {{"apiVersion", "vllm.ai/v1alpha1"},
                      {"kind", "SemanticRouter"},
                      {"metadata", {{"name", "r"}, {"namespace", "llm"}, {"uid", "uid-r"}}}};

Json Owned(const std::string& kind, const std::string& name, Json spec, const Json& owner = kRouter) {
  Json o = Object(kind == "Deployment" ? "apps/v1" : "v1", kind, "llm", name);
  o["spec"] = std::move(spec);
  SetControllerOwner(o, owner);
  return o;
}

struct Fixture {
  DesiredState desired;
  std::map<std::string, Json> live;  // "Kind/name"
  std::vector<std::pair<std::string, Json>> owned;

  ApplyPlan Plan() {
    LiveLookup lookup = [this](const std::string& kind, const std::string& name)
        -> absl::StatusOr<std::optional<Json>> {
      if (name == "unreadable") return absl::UnavailableError("connection refused");
      auto it = live.find(kind + "/" + name);
      if (it == live.end()) return std::optional<Json>();
      return std::optional<Json>(it->second);
    };
    return PlanApply(desired, "llm", "uid-r", lookup, owned);
  }
};

TEST(ApplyPlanTest, AppliesWhatDiffersOnly) {
  Fixture f;
  Json same = Owned("ConfigMap", "r-config", {{"a", 1}});
  StampDesiredHash(same);
  Json changed = Owned("Deployment", "r", {{"replicas", 2}});
  StampDesiredHash(changed);
  Json missing = Owned("Service", "r", {{"type", "ClusterIP"}});
  StampDesiredHash(missing);
  f.desired.objects = {same, changed, missing};
  Json live_same = same;
  live_same["metadata"]["resourceVersion"] = "3";
  live_same["status"] = {{"x", 1}};
  f.live["ConfigMap/r-config"] = live_same;
  Json live_changed = Owned("Deployment", "r", {{"replicas", 5}});
  f.live["Deployment/r"] = live_changed;
  ApplyPlan plan = f.Plan();
  EXPECT_EQ(plan.unchanged, 1u);
  ASSERT_EQ(plan.apply.size(), 2u);
  EXPECT_EQ(NameOf(plan.apply[0].desired), "r");
  EXPECT_TRUE(plan.apply[0].live.has_value());   // an update
  EXPECT_FALSE(plan.apply[1].live.has_value());  // a create
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_TRUE(plan.prune.empty());
}

TEST(ApplyPlanTest, RefusesNamesTakenByOthers) {
  Fixture f;
  Json a = Owned("ConfigMap", "r-config", {{"a", 1}});
  Json b = Owned("Service", "r", {{"a", 1}});
  Json c = Owned("Deployment", "unreadable", {{"a", 1}});
  f.desired.objects = {a, b, c};
  f.live["ConfigMap/r-config"] = Object("v1", "ConfigMap", "llm", "r-config");  // a person's
  Json other_router = kRouter;
  other_router["metadata"]["uid"] = "uid-other";
  other_router["metadata"]["name"] = "other";
  f.live["Service/r"] = Owned("Service", "r", {{"a", 1}}, other_router);
  ApplyPlan plan = f.Plan();
  EXPECT_TRUE(plan.apply.empty());
  ASSERT_EQ(plan.problems.size(), 3u);
  EXPECT_NE(plan.problems[0].message.find("not created by srfleet"), std::string::npos);
  EXPECT_FALSE(plan.problems[0].transient);
  EXPECT_NE(plan.problems[1].message.find("controlled by SemanticRouter/other"), std::string::npos);
  EXPECT_TRUE(plan.problems[2].transient);
}

TEST(ApplyPlanTest, PrunesOnlyWhatThisRouterControlsAndNoLongerWants) {
  Fixture f;
  f.desired.objects = {Owned("Deployment", "r", Json::object())};
  f.desired.keep.insert(ObjectId("PersistentVolumeClaim", "r-models"));  // held back, not unwanted
  f.owned.emplace_back("Deployment", Owned("Deployment", "r", Json::object()));
  f.owned.emplace_back("HTTPRoute", Owned("HTTPRoute", "r", Json::object()));              // gateway mode left
  f.owned.emplace_back("PersistentVolumeClaim", Owned("PersistentVolumeClaim", "r-models", Json::object()));
  Json not_controller = Owned("ConfigMap", "shared", Json::object());
  not_controller["metadata"]["ownerReferences"][0]["controller"] = false;
  f.owned.emplace_back("ConfigMap", not_controller);
  Json elsewhere = Owned("ConfigMap", "x", Json::object());
  elsewhere["metadata"]["namespace"] = "other";
  f.owned.emplace_back("ConfigMap", elsewhere);
  Json going = Owned("Ingress", "r", Json::object());
  going["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  f.owned.emplace_back("Ingress", going);
  f.live["Deployment/r"] = Owned("Deployment", "r", Json::object());
  ApplyPlan plan = f.Plan();
  ASSERT_EQ(plan.prune.size(), 1u);
  EXPECT_EQ(plan.prune[0].first, "HTTPRoute");
}

}  // namespace
}  // namespace srfleet::agent
