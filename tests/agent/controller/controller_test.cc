// Controller: workers, requeue with backoff on error, requeue_after, forget
// on success, one worker per key, exceptions, the observer; the key helpers
// and the EnqueueSelf / EnqueueOwnerOf / EnqueueMapped handler factories.
#include "agent/controller/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace srfleet::agent {
namespace {

bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return done();
}

// A reconciler whose answer per call is scripted by a function.
class ScriptedReconciler : public Reconciler {
 public:
  using Script = std::function<absl::StatusOr<ReconcileResult>(const std::string& key, int call)>;
  explicit ScriptedReconciler(Script script) : script_(std::move(script)) {}

  absl::StatusOr<ReconcileResult> Reconcile(const std::string& key) override {
    int call;
    {
      std::lock_guard<std::mutex> lock(mu_);
      call = ++calls_[key];
      times_[key].push_back(absl::Now());
      if (!in_flight_.insert(key).second) ++overlaps_;
    }
    absl::SleepFor(absl::Microseconds(100));
    absl::StatusOr<ReconcileResult> result = absl::InternalError("unset");
    try {
      result = script_(key, call);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(key);
      throw;
    }
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(key);
    return result;
  }

  int calls(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }
  std::vector<absl::Time> times(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = times_.find(key);
    return it == times_.end() ? std::vector<absl::Time>{} : it->second;
  }
  int overlaps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return overlaps_;
  }

 private:
  Script script_;
  mutable std::mutex mu_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::vector<absl::Time>> times_;
  std::set<std::string> in_flight_;
  int overlaps_ = 0;
};

absl::StatusOr<ReconcileResult> Ok() { return ReconcileResult{}; }

class RecordingObserver : public ReconcileObserver {
 public:
  void OnReconcile(std::string_view controller, std::string_view result, absl::Duration duration) override {
    std::lock_guard<std::mutex> lock(mu);
    results[std::string(result)]++;
    last_controller = std::string(controller);
    if (duration < absl::ZeroDuration()) ++negative;
  }
  int Count(const std::string& result) {
    std::lock_guard<std::mutex> lock(mu);
    return results[result];
  }
  std::mutex mu;
  std::map<std::string, int> results;
  std::string last_controller;
  int negative = 0;
};

WorkQueueOptions FastQueue() {
  WorkQueueOptions o;
  o.base_delay = absl::Milliseconds(20);
  o.max_delay = absl::Seconds(1);
  o.qps = 1000;
  o.burst = 1000;
  return o;
}

TEST(ControllerTest, ReconcilesEveryKeyAndForgetsOnSuccess) {
  WorkQueue queue(FastQueue());
  ScriptedReconciler reconciler([](const std::string&, int) { return Ok(); });
  Controller controller("test", reconciler, queue, 3);
  RecordingObserver observer;
  controller.SetObserver(&observer);
  controller.Start();
  for (int i = 0; i < 20; ++i) queue.Add(absl::StrCat("ns/r", i));
  ASSERT_TRUE(Eventually([&] { return controller.stats().reconciles == 20; }));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(reconciler.calls(absl::StrCat("ns/r", i)), 1);
  EXPECT_EQ(controller.stats().errors, 0);
  EXPECT_EQ(observer.Count("success"), 20);
  EXPECT_EQ(observer.last_controller, "test");
  EXPECT_EQ(controller.name(), "test");
  controller.Stop();
  EXPECT_TRUE(queue.ShuttingDown());
}

TEST(ControllerTest, AnErrorRequeuesWithGrowingBackoffUntilSuccess) {
  WorkQueue queue(FastQueue());
  // Fails three times, then succeeds.
  ScriptedReconciler reconciler([](const std::string&, int call) -> absl::StatusOr<ReconcileResult> {
    if (call <= 3) return absl::UnavailableError("api down");
    return ReconcileResult{};
  });
  Controller controller("test", reconciler, queue, 2);
  RecordingObserver observer;
  controller.SetObserver(&observer);
  controller.Start();
  queue.Add("ns/flaky");
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("ns/flaky") == 4 && controller.stats().reconciles == 4; }));
  EXPECT_EQ(controller.stats().errors, 3);
  EXPECT_EQ(observer.Count("error"), 3);
  EXPECT_EQ(observer.Count("success"), 1);
  // Backoff base 20 ms: the gaps are at least 20, 40, 80 ms.
  const std::vector<absl::Time> t = reconciler.times("ns/flaky");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_GE(t[1] - t[0], absl::Milliseconds(20));
  EXPECT_GE(t[2] - t[1], absl::Milliseconds(40));
  EXPECT_GE(t[3] - t[2], absl::Milliseconds(80));
  // The success forgot the failures.
  ASSERT_TRUE(Eventually([&] { return queue.NumRequeues("ns/flaky") == 0; }));
}

TEST(ControllerTest, RequeueAfterSchedulesTheKeyAgain) {
  WorkQueue queue(FastQueue());
  ScriptedReconciler reconciler([](const std::string&, int call) -> absl::StatusOr<ReconcileResult> {
    if (call == 1) return ReconcileResult{absl::Milliseconds(120)};
    return ReconcileResult{};
  });
  Controller controller("test", reconciler, queue, 1);
  RecordingObserver observer;
  controller.SetObserver(&observer);
  controller.Start();
  queue.Add("ns/timed");
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("ns/timed") == 2; }));
  const std::vector<absl::Time> t = reconciler.times("ns/timed");
  EXPECT_GE(t[1] - t[0], absl::Milliseconds(120));
  EXPECT_EQ(controller.stats().errors, 0);
  EXPECT_EQ(queue.NumRequeues("ns/timed"), 0);  // a timed requeue is not a failure
  ASSERT_TRUE(Eventually([&] { return observer.Count("success") == 1; }));
  EXPECT_EQ(observer.Count("requeue_after"), 1);
}

TEST(ControllerTest, AKeyIsNeverReconciledByTwoWorkersAtOnce) {
  WorkQueue queue(FastQueue());
  ScriptedReconciler reconciler([](const std::string&, int) {
    absl::SleepFor(absl::Microseconds(300));
    return Ok();
  });
  Controller controller("test", reconciler, queue, 8);
  controller.Start();
  for (int i = 0; i < 3000; ++i) {
    queue.Add(absl::StrCat("ns/k", i % 4));
    if (i % 100 == 0) absl::SleepFor(absl::Microseconds(500));
  }
  ASSERT_TRUE(Eventually([&] { return queue.Len() == 0; }));
  controller.Stop();
  EXPECT_EQ(reconciler.overlaps(), 0);
}

TEST(ControllerTest, AThrowingReconcilerCountsAsAnErrorAndIsRetried) {
  WorkQueue queue(FastQueue());
  ScriptedReconciler reconciler([](const std::string&, int call) -> absl::StatusOr<ReconcileResult> {
    if (call == 1) throw std::runtime_error("boom");
    return ReconcileResult{};
  });
  Controller controller("test", reconciler, queue, 1);
  controller.Start();
  queue.Add("ns/thrower");
  ASSERT_TRUE(Eventually([&] { return reconciler.calls("ns/thrower") == 2 && controller.stats().reconciles == 2; }));
  EXPECT_EQ(controller.stats().errors, 1);
}

TEST(ControllerTest, StopJoinsWorkersAndIsIdempotent) {
  WorkQueue queue(FastQueue());
  ScriptedReconciler reconciler([](const std::string&, int) { return Ok(); });
  {
    Controller controller("test", reconciler, queue, 4);
    controller.Start();
    controller.Start();  // once only
    queue.Add("ns/a");
    ASSERT_TRUE(Eventually([&] { return controller.stats().reconciles == 1; }));
    controller.Stop();
    controller.Stop();
    queue.Add("ns/b");  // ignored: the queue is shut down
  }  // the destructor stops again
  EXPECT_EQ(reconciler.calls("ns/b"), 0);
}

// --- keys and handler factories --------------------------------------------------

Json Owned(const std::string& ns, const std::string& name, Json owner_refs) {
  Json o = {{"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  o["metadata"]["ownerReferences"] = std::move(owner_refs);
  return o;
}

Json Ref(const std::string& api_version, const std::string& kind, const std::string& name, bool controller) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"name", name}, {"uid", "u-" + name}, {"controller", controller}};
}

std::vector<std::string> Drain(WorkQueue& queue) {
  std::vector<std::string> keys;
  while (queue.Len() > 0) {
    std::optional<std::string> key = queue.Get();
    if (!key) break;
    keys.push_back(*key);
    queue.Done(*key);
  }
  return keys;
}

TEST(ObjectKeyTest, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKeyOf({{"metadata", {{"namespace", "ns"}, {"name", "a"}}}}), "ns/a");
  EXPECT_EQ(ObjectKeyOf({{"metadata", {{"name", "node-1"}}}}), "node-1");
  EXPECT_EQ(ObjectKeyOf({{"metadata", Json::object()}}), "");
  EXPECT_EQ(ObjectKeyOf(Json::array()), "");
  EXPECT_EQ(SplitObjectKey("ns/a"), (std::pair<std::string, std::string>{"ns", "a"}));
  EXPECT_EQ(SplitObjectKey("node-1"), (std::pair<std::string, std::string>{"", "node-1"}));
}

TEST(EnqueueTest, EnqueueSelfAddsTheObjectsOwnKey) {
  WorkQueue queue;
  ResourceEventHandlers h = EnqueueSelf(queue);
  const Json o = {{"metadata", {{"namespace", "ns"}, {"name", "router"}}}};
  h.on_add(o);
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});
  h.on_update(o, o);
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});
  h.on_delete(o);
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});
  h.on_add({{"metadata", Json::object()}});  // nameless: nothing
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(EnqueueTest, EnqueueOwnerOfMapsTheControllerReferenceOfTheRightKind) {
  WorkQueue queue;
  ResourceEventHandlers h = EnqueueOwnerOf(queue, "SemanticRouter", "vllm.ai");
  h.on_add(Owned("ns", "deploy", Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "router", true)})));
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});

  // Not the controller reference, another kind, another group: nothing.
  h.on_add(Owned("ns", "a", Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "r", false)})));
  h.on_add(Owned("ns", "b", Json::array({Ref("apps/v1", "Deployment", "d", true)})));
  h.on_add(Owned("ns", "c", Json::array({Ref("other.io/v1", "SemanticRouter", "r", true)})));
  h.on_add(Owned("ns", "d", Json::array()));
  h.on_add({{"metadata", {{"name", "e"}}}});
  EXPECT_EQ(queue.Len(), 0u);

  // Several references: only the controlling one counts.
  h.on_add(Owned("ns", "f",
                 Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "watcher", false),
                              Ref("vllm.ai/v1alpha1", "SemanticRouter", "boss", true)})));
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/boss"});

  // Update: the old and the new owner (de-duplicated when equal).
  h.on_update(Owned("ns", "g", Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "old", true)})),
              Owned("ns", "g", Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "new", true)})));
  EXPECT_EQ(Drain(queue), (std::vector<std::string>{"ns/old", "ns/new"}));
  const Json same = Owned("ns", "h", Json::array({Ref("vllm.ai/v1alpha1", "SemanticRouter", "router", true)}));
  h.on_update(same, same);
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});
  h.on_delete(same);
  EXPECT_EQ(Drain(queue), std::vector<std::string>{"ns/router"});
}

TEST(EnqueueTest, EnqueueOwnerOfCoreGroupAndClusterScopedObjects) {
  WorkQueue queue;
  ResourceEventHandlers h = EnqueueOwnerOf(queue, "ConfigMap", "");
  h.on_add(Owned("ns", "x", Json::array({Ref("v1", "ConfigMap", "cm", true)})));
  h.on_add(Owned("", "cluster-thing", Json::array({Ref("v1", "ConfigMap", "cluster-owner", true)})));
  EXPECT_EQ(Drain(queue), (std::vector<std::string>{"ns/cm", "cluster-owner"}));
}

TEST(EnqueueTest, EnqueueMappedAddsWhatTheMapReturns) {
  WorkQueue queue;
  ResourceEventHandlers h = EnqueueMapped(queue, [](const Json& o) {
    std::vector<std::string> keys;
    if (o["metadata"].contains("labels")) keys.push_back("ns/" + o["metadata"]["labels"]["router"].get<std::string>());
    return keys;
  });
  const Json a = {{"metadata", {{"name", "svc"}, {"labels", {{"router", "a"}}}}}};
  const Json b = {{"metadata", {{"name", "svc"}, {"labels", {{"router", "b"}}}}}};
  h.on_add(a);
  h.on_update(a, b);
  h.on_delete(b);
  EXPECT_EQ(Drain(queue), (std::vector<std::string>{"ns/a", "ns/b"}));
  ResourceEventHandlers null_map = EnqueueMapped(queue, nullptr);
  null_map.on_add(a);  // no map: nothing, no crash
  EXPECT_EQ(queue.Len(), 0u);
}

}  // namespace
}  // namespace srfleet::agent
