// StorageCheck (named class, cluster default, beta annotation, messages),
// DependencyIndex (which routers an event wakes), SecretRefsOf, RecentWrites
// and DesiredState (owner references, hash, held-back and unserved objects).
#include <gtest/gtest.h>

#include "agent/reconcile/dependency_index.h"
#include "agent/reconcile/desired_state.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/object_compare.h"
#include "agent/reconcile/owner_refs.h"
#include "agent/reconcile/recent_writes.h"
#include "agent/reconcile/secret_values.h"
#include "agent/reconcile/storage_check.h"
#include "shared/json/yaml_codec.h"
#include "tests/agent/reconcile/fake_cache.h"
#include "tests/support/test_files.h"

namespace srfleet::agent {
namespace {

using testing::FakeCache;
using testing::Object;

Json StorageClass(const std::string& name, const char* annotation = nullptr) {
  Json sc = Object("storage.k8s.io/v1", "StorageClass", "", name);
  if (annotation) sc["metadata"]["annotations"][annotation] = "true";
  return sc;
}

TEST(StorageCheckTest, NamedClassMustExist) {
  FakeCache classes;
  classes.Add(StorageClass("standard", "storageclass.kubernetes.io/is-default-class"));
  Json spec = {{"persistence", {{"enabled", true}, {"storageClassName", "gp3"}}}};
  StorageCheck c = CheckStorage(spec, "r", &classes);
  EXPECT_TRUE(c.pvc_wanted);
  EXPECT_FALSE(c.ready);
  EXPECT_EQ(c.reason, "StorageClassMissing");
  EXPECT_NE(c.message.find("\"gp3\""), std::string::npos);
  EXPECT_NE(c.message.find("r-models"), std::string::npos);
  EXPECT_NE(c.message.find("\"standard\""), std::string::npos);  // suggests the default
  classes.Add(StorageClass("gp3"));
  c = CheckStorage(spec, "r", &classes);
  EXPECT_TRUE(c.ready);
  EXPECT_EQ(c.storage_class, "gp3");
}

TEST(StorageCheckTest, DefaultClassIncludingTheBetaAnnotation) {
  FakeCache classes;
  classes.Add(StorageClass("slow"));
  Json spec = Json::object();  // persistence defaults to on
  StorageCheck c = CheckStorage(spec, "r", &classes);
  EXPECT_FALSE(c.ready);
  EXPECT_EQ(c.reason, "NoDefaultStorageClass");
  classes.Add(StorageClass("legacy", "storageclass.beta.kubernetes.io/is-default-class"));
  c = CheckStorage(spec, "r", &classes);
  EXPECT_TRUE(c.ready);
  EXPECT_EQ(c.storage_class, "legacy");
}

TEST(StorageCheckTest, NoClaimWanted) {
  FakeCache classes;
  StorageCheck off = CheckStorage({{"persistence", {{"enabled", false}}}}, "r", &classes);
  EXPECT_FALSE(off.pvc_wanted);
  EXPECT_TRUE(off.ready);
  EXPECT_EQ(off.reason, "PersistenceDisabled");
  StorageCheck existing = CheckStorage({{"persistence", {{"existingClaim", "models"}}}}, "r", &classes);
  EXPECT_FALSE(existing.pvc_wanted);
  EXPECT_EQ(existing.reason, "ExistingClaim");
}

Json Router(const std::string& ns, const std::string& name, Json spec) {
  Json r = Object("vllm.ai/v1alpha1", "SemanticRouter", ns, name);
  r["metadata"]["uid"] = "uid-" + name;
  r["spec"] = std::move(spec);
  return r;
}

TEST(DependencyIndexTest, WakesExactlyTheDependentRouters) {
  DependencyIndex index;
  index.Update(Router("llm", "a", {{"vllmEndpoints", Json::array({{{"backend", {{"type", "service"}, {"service", {{"name", "v"}, {"namespace", "models"}}}}}}})},
                                    {"persistence", {{"enabled", false}}}}));
  index.Update(Router("llm", "b", {{"vllmEndpoints", Json::array({{{"backend", {{"type", "llamastack"}, {"discoveryLabels", {{"app", "ls"}}}}}}})}}));
  index.Update(Router("llm", "c", {{"vllmEndpoints", Json::array({{{"backend", {{"type", "kserve"}, {"inferenceServiceName", "m"}}}}})},
                                    {"gateway", {{"existingRef", {{"name", "gw"}, {"namespace", "gateway-system"}}}}}}));
  EXPECT_EQ(index.ForService(Object("v1", "Service", "models", "v")), std::vector<std::string>{"llm/a"});
  EXPECT_TRUE(index.ForService(Object("v1", "Service", "llm", "v")).empty());
  EXPECT_EQ(index.ForService(Object("v1", "Service", "llm", "x", {{"app", "ls"}})), std::vector<std::string>{"llm/b"});
  EXPECT_TRUE(index.ForService(Object("v1", "Service", "other", "x", {{"app", "ls"}})).empty());
  EXPECT_EQ(index.ForInferenceService(Object("serving.kserve.io/v1beta1", "InferenceService", "llm", "m")),
            std::vector<std::string>{"llm/c"});
  EXPECT_EQ(index.ForGateway(Object("gateway.networking.k8s.io/v1", "Gateway", "gateway-system", "gw")),
            std::vector<std::string>{"llm/c"});
  EXPECT_EQ(index.ForStorageClass(StorageClass("x")), (std::vector<std::string>{"llm/b", "llm/c"}));
  index.Remove(Router("llm", "b", Json::object()));
  EXPECT_TRUE(index.ForService(Object("v1", "Service", "llm", "x", {{"app", "ls"}})).empty());
  EXPECT_EQ(index.size(), 2u);
}

TEST(SecretRefsTest, FindsEveryPasswordSecretRef) {
  Json spec = {{"config",
                {{"response_cache", {{"redis", {{"connection", {{"password_secret_ref", {{"name", "r"}, {"key", "p"}}}}}}}}},
                 {"other", Json::array({{{"password_secret_ref", {{"name", "m"}, {"key", "k"}}}}})}}}};
  std::set<render::SecretKeyRef> refs = SecretRefsOf(spec);
  EXPECT_EQ(refs.size(), 2u);
  EXPECT_TRUE(refs.count({"r", "p"}));
  EXPECT_TRUE(refs.count({"m", "k"}));
  EXPECT_TRUE(SecretRefsOf(Json::object()).empty());
}

TEST(RecentWritesTest, NewerWritesWinUntilTheCacheCatchesUp) {
  FakeCache cache;
  Json old = Object("v1", "ConfigMap", "llm", "c");
  old["metadata"]["resourceVersion"] = "5";
  old["metadata"]["uid"] = "u1";
  cache.Add(old);
  RecentWrites recent;
  Json written = old;
  written["metadata"]["resourceVersion"] = "9";
  written["data"] = {{"k", "v"}};
  recent.RecordWrite("llm/r", "ConfigMap", written);
  EXPECT_EQ((*recent.Live("ConfigMap", &cache, "llm", "c"))["metadata"]["resourceVersion"], "9");
  Json caught_up = written;
  caught_up["metadata"]["resourceVersion"] = "10";
  cache.Add(caught_up);
  EXPECT_EQ((*recent.Live("ConfigMap", &cache, "llm", "c"))["metadata"]["resourceVersion"], "10");
  EXPECT_EQ(recent.size(), 0u);

  recent.RecordDelete("llm/r", "ConfigMap", caught_up);
  EXPECT_FALSE(recent.Live("ConfigMap", &cache, "llm", "c"));
  EXPECT_TRUE(recent.RecentlyDeleted("ConfigMap", caught_up));
  cache.Remove("llm", "c");
  EXPECT_FALSE(recent.Live("ConfigMap", &cache, "llm", "c"));
  EXPECT_EQ(recent.size(), 0u);
}

TEST(RecentWritesTest, ExpiredEntriesYieldToTheCache) {
  FakeCache cache;
  RecentWrites recent(absl::ZeroDuration());
  Json written = Object("v1", "ConfigMap", "llm", "c");
  written["metadata"]["resourceVersion"] = "9";
  recent.RecordWrite("llm/r", "ConfigMap", written);
  absl::SleepFor(absl::Milliseconds(1));
  EXPECT_FALSE(recent.Live("ConfigMap", &cache, "llm", "c"));  // deleted by someone else meanwhile
}

TEST(DesiredStateTest, OwnerReferencesHashAndHeldBackObjects) {
  absl::StatusOr<Json> sample =
      ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / "gateway.yaml"));
  ASSERT_TRUE(sample.ok());
  Json live = *sample;
  live["metadata"]["uid"] = "uid-1";
  Json validated = live;
  ASSERT_TRUE(model::ValidateSemanticRouter(validated).empty());
  model::SemanticRouter router(validated);

  DesiredInputs in;
  in.platform.gateway_api = true;
  absl::StatusOr<DesiredState> d = BuildDesiredState(router, live, in);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_FALSE(d->objects.empty());
  for (const auto& o : d->objects) {
    EXPECT_EQ(ControllingRouterUid(o), "uid-1") << KindOf(o);
    EXPECT_EQ(o["metadata"]["ownerReferences"][0]["blockOwnerDeletion"], true);
    EXPECT_TRUE(FindField(o, {"metadata", "annotations", kDesiredHashAnnotation})) << KindOf(o);
  }
  EXPECT_TRUE(d->Wants("HTTPRoute", "router-gw"));
  EXPECT_TRUE(d->unserved.empty());

  // Without Gateway API the HTTPRoute is kept (never pruned) but not applied.
  in.platform.gateway_api = false;
  in.hold_config = true;
  d = BuildDesiredState(router, live, in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->Wants("HTTPRoute", "router-gw"));
  EXPECT_TRUE(d->Wants("ConfigMap", "router-gw-config"));
  for (const auto& o : d->objects) {
    EXPECT_NE(KindOf(o), "HTTPRoute");
    EXPECT_NE(NameOf(o), "router-gw-config");
  }
  EXPECT_EQ(d->unserved.size(), 1u);
  EXPECT_EQ(d->held_back.size(), 1u);
  EXPECT_FALSE(d->Wants("Route", "router-gw"));
}

}  // namespace
}  // namespace srfleet::agent
