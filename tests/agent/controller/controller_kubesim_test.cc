// The runtime pieces wired as the agent wires them, against kubesim: a
// primary informer (EnqueueSelf) and an owned-object informer
// (EnqueueOwnerOf) feeding one queue and a controller; a change to an owned
// object reconciles its owner, a failing reconcile is retried.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "agent/controller/controller.h"
#include "agent/controller/informer.h"
#include "tests/agent/kubesim_env.h"

namespace srfleet::agent {
namespace {

using testing::ConfigMap;
using testing::Eventually;
using testing::KubesimEnv;

// "Owners" are ConfigMaps labelled role=owner; "owned" ones point at them.
class CountingReconciler : public Reconciler {
 public:
  explicit CountingReconciler(const ObjectCache& owners) : owners_(owners) {}
  absl::StatusOr<ReconcileResult> Reconcile(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[key];
    const auto [ns, name] = SplitObjectKey(key);
    if (fail_next_[key] > 0) {
      --fail_next_[key];
      return absl::UnavailableError("injected");
    }
    // The reconciler reads its primary from the cache, as the agent does.
    seen_in_cache_[key] = owners_.Get(ns, name).has_value();
    return ReconcileResult{};
  }
  int calls(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_[key];
  }
  void FailNext(const std::string& key, int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_[key] = n;
  }
  bool seen_in_cache(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_in_cache_[key];
  }

 private:
  const ObjectCache& owners_;
  std::mutex mu_;
  std::map<std::string, int> calls_, fail_next_;
  std::map<std::string, bool> seen_in_cache_;
};

TEST(ControllerKubesimTest, OwnedObjectEventsReconcileTheirOwner) {
  KubesimEnv env;
  ASSERT_TRUE(env.ok());
  auto client = env.NewClient();
  auto writer = env.NewClient();
  const kube::ResourceRef cms = kube::ResourceRef::Core("configmaps", "default");

  absl::StatusOr<Json> owner = writer->Create(cms, ConfigMap("default", "owner", {}, {{"role", "owner"}}));
  ASSERT_TRUE(owner.ok()) << owner.status();

  InformerOptions fast;
  fast.backoff = {absl::Milliseconds(20), absl::Milliseconds(200), 2.0, 0.5};
  InformerOptions owners_options = fast;
  owners_options.label_selector = "role=owner";
  InformerOptions owned_options = fast;
  owned_options.label_selector = "role=owned";
  Informer owners(*client, cms, owners_options);
  Informer owned(*client, cms, owned_options);

  WorkQueueOptions queue_options;
  queue_options.base_delay = absl::Milliseconds(10);
  WorkQueue queue(queue_options);
  owners.AddHandlers(EnqueueSelf(queue));
  owned.AddHandlers(EnqueueOwnerOf(queue, "ConfigMap", ""));
  CountingReconciler reconciler(owners);
  Controller controller("owners", reconciler, queue, 2);

  owners.Start();
  owned.Start();
  ASSERT_TRUE(owners.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(owned.WaitForSync(absl::Seconds(20)));
  controller.Start();
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("default/owner") == 1; }));
  EXPECT_TRUE(reconciler.seen_in_cache("default/owner"));

  // An owned object appears: its owner is reconciled again.
  Json dependent = ConfigMap("default", "dependent", {{"v", "1"}}, {{"role", "owned"}});
  dependent["metadata"]["ownerReferences"] = Json::array({{{"apiVersion", "v1"},
                                                           {"kind", "ConfigMap"},
                                                           {"name", "owner"},
                                                           {"uid", (*owner)["metadata"]["uid"]},
                                                           {"controller", true}}});
  absl::StatusOr<Json> created = writer->Create(cms, dependent);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("default/owner") == 2; }));

  // Someone edits it and the reconcile fails twice: retried with backoff until it passes.
  reconciler.FailNext("default/owner", 2);
  Json edited = *created;
  edited["data"]["v"] = "edited";
  ASSERT_TRUE(writer->Update(cms, edited).ok());
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("default/owner") == 5; }));
  ASSERT_TRUE(Eventually([&] { return controller.stats().errors == 2 && queue.NumRequeues("default/owner") == 0; }));

  // Deleting it enqueues the owner once more.
  ASSERT_TRUE(writer->Delete(cms.WithName("dependent")).ok());
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("default/owner") == 6; }));
  EXPECT_EQ(reconciler.calls("default/dependent"), 0);  // never enqueued by itself

  controller.Stop();
  owners.Stop();
  owned.Stop();
}

}  // namespace
}  // namespace srfleet::agent
