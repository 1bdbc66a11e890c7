// Informer against kubesim over HTTPS: initial sync, add/update/delete
// handlers, cluster-scoped and all-namespace resources, label selectors, the
// owner index (with kubesim's garbage collector), relists after an API
// server restart and after 410 Gone (deletes computed from the diff), resync,
// and handlers that throw.
#include "agent/controller/informer.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/agent/kubesim_env.h"

namespace srfleet::agent {
namespace {

using testing::ConfigMap;
using testing::Eventually;
using testing::KubesimEnv;

std::string NameOf(const Json& o) { return o["metadata"]["name"].get<std::string>(); }
std::string RvOf(const Json& o) { return o["metadata"]["resourceVersion"].get<std::string>(); }

// Everything the handlers were told, in order.
struct Recorder {
  struct Event {
    std::string type, name, old_rv, rv;
  };
  mutable std::mutex mu;
  std::vector<Event> events;
  int in_handler = 0;
  int concurrent = 0;  // handler calls that overlapped (must stay 0)

  void Record(Event e) {
    std::lock_guard<std::mutex> lock(mu);
    if (++in_handler > 1) ++concurrent;
    events.push_back(std::move(e));
    --in_handler;
  }

  ResourceEventHandlers Handlers() {
    ResourceEventHandlers h;
    h.on_add = [this](const Json& o) { Record({"add", NameOf(o), "", RvOf(o)}); };
    h.on_update = [this](const Json& old, const Json& o) { Record({"update", NameOf(o), RvOf(old), RvOf(o)}); };
    h.on_delete = [this](const Json& o) { Record({"delete", NameOf(o), "", RvOf(o)}); };
    return h;
  }

  int Count(const std::string& type, const std::string& name = "") const {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const Event& e : events) n += e.type == type && (name.empty() || e.name == name);
    return n;
  }
  std::vector<Event> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu);
    return events;
  }
};

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<KubesimEnv>(ClusterOptions());
    ASSERT_TRUE(env_->ok());
    client_ = env_->NewClient();
    writer_ = env_->NewClient();
    ASSERT_NE(client_, nullptr);
    ASSERT_NE(writer_, nullptr);
  }
  virtual kubesim::ClusterOptions ClusterOptions() { return {}; }

  void CreateNamespace(const std::string& name) {
    absl::StatusOr<Json> ns = writer_->Create(kube::ResourceRef::Core("namespaces"),
                                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    ASSERT_TRUE(ns.ok()) << ns.status();
  }
  Json Create(const Json& object) {
    const std::string ns = object["metadata"]["namespace"].get<std::string>();
    absl::StatusOr<Json> created = writer_->Create(kube::ResourceRef::Core("configmaps", ns), object);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Json();
  }

  static InformerOptions Fast() {
    InformerOptions o;
    o.backoff = {absl::Milliseconds(20), absl::Milliseconds(200), 2.0, 0.5};
    return o;
  }

  std::unique_ptr<KubesimEnv> env_;
  std::unique_ptr<kube::KubeClient> client_, writer_;
};

TEST_F(InformerTest, SyncsAndDeliversAnAddPerExistingObject) {
  CreateNamespace("inf");
  for (const char* name : {"c", "a", "b"}) Create(ConfigMap("inf", name, {{"k", name}}));
  Create(ConfigMap("default", "elsewhere"));

  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "inf"), Fast());
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  EXPECT_FALSE(informer.HasSynced());
  EXPECT_FALSE(informer.WaitForSync(absl::Milliseconds(1)));  // not started
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  EXPECT_TRUE(informer.HasSynced());
  // WaitForSync implies the handlers already saw the initial list.
  EXPECT_EQ(recorder.Count("add"), 3);

  std::optional<Json> b = informer.Get("inf", "b");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ((*b)["data"]["k"], "b");
  EXPECT_EQ((*b)["kind"], "ConfigMap");  // list items carry their kind
  EXPECT_FALSE(informer.Get("default", "elsewhere").has_value());
  EXPECT_FALSE(informer.Get("inf", "nope").has_value());
  std::vector<std::string> names;
  for (const Json& o : informer.List("inf")) names.push_back(NameOf(o));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(informer.ref().resource, "configmaps");
  EXPECT_EQ(informer.size(), 3u);
}

TEST_F(InformerTest, AddUpdateDeleteReachTheHandlers) {
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), Fast());
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  const int initial = recorder.Count("add");

  const Json created = Create(ConfigMap("default", "live", {{"v", "1"}}));
  ASSERT_TRUE(Eventually([&] { return recorder.Count("add", "live") == 1; }));
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "live").has_value(); }));

  Json changed = created;
  changed["data"]["v"] = "2";
  absl::StatusOr<Json> updated = writer_->Update(kube::ResourceRef::Core("configmaps", "default"), changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(Eventually([&] { return recorder.Count("update", "live") == 1; }));
  for (const Recorder::Event& e : recorder.Snapshot()) {
    if (e.type == "update") {
      EXPECT_EQ(e.old_rv, RvOf(created));
      EXPECT_EQ(e.rv, RvOf(*updated));
    }
  }
  EXPECT_EQ((*informer.Get("default", "live"))["data"]["v"], "2");

  ASSERT_TRUE(writer_->Delete(kube::ResourceRef::Core("configmaps", "default", "live")).ok());
  ASSERT_TRUE(Eventually([&] { return recorder.Count("delete", "live") == 1; }));
  EXPECT_FALSE(informer.Get("default", "live").has_value());
  EXPECT_EQ(recorder.Count("add"), initial + 1);
  std::lock_guard<std::mutex> lock(recorder.mu);
  EXPECT_EQ(recorder.concurrent, 0);
}

TEST_F(InformerTest, ClusterScopedAndAllNamespaceResources) {
  CreateNamespace("ns-a");
  CreateNamespace("ns-b");
  Create(ConfigMap("ns-a", "one"));
  Create(ConfigMap("ns-b", "two"));

  Informer namespaces(*client_, kube::ResourceRef::Core("namespaces"), Fast());
  Informer all_cms(*client_, kube::ResourceRef::Core("configmaps"), Fast());
  namespaces.Start();
  all_cms.Start();
  ASSERT_TRUE(namespaces.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(all_cms.WaitForSync(absl::Seconds(20)));
  EXPECT_TRUE(namespaces.Get("", "ns-a").has_value());
  EXPECT_TRUE(namespaces.Get("", "default").has_value());
  EXPECT_EQ(all_cms.List("ns-a").size(), 1u);
  EXPECT_EQ(NameOf(all_cms.List("ns-b")[0]), "two");
  EXPECT_GE(all_cms.List("").size(), 2u);

  CreateNamespace("ns-c");
  ASSERT_TRUE(Eventually([&] { return namespaces.Get("", "ns-c").has_value(); }));
}

TEST_F(InformerTest, LabelSelectorAndLabelMatching) {
  Create(ConfigMap("default", "mine-1", {}, {{"app", "router"}, {"tier", "a"}}));
  Create(ConfigMap("default", "mine-2", {}, {{"app", "router"}, {"tier", "b"}}));
  Create(ConfigMap("default", "theirs", {}, {{"app", "other"}}));
  InformerOptions options = Fast();
  options.label_selector = "app=router";
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), options);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  EXPECT_EQ(informer.List("default").size(), 2u);
  EXPECT_FALSE(informer.Get("default", "theirs").has_value());
  const std::vector<Json> b = informer.List("default", {{"tier", "b"}});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(NameOf(b[0]), "mine-2");
}

TEST_F(InformerTest, OwnerIndexFollowsGarbageCollection) {
  const Json owner = Create(ConfigMap("default", "owner"));
  const std::string uid = owner["metadata"]["uid"].get<std::string>();
  auto owned = [&](const std::string& name) {
    Json cm = ConfigMap("default", name);
    cm["metadata"]["ownerReferences"] = Json::array(
        {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "owner"}, {"uid", uid}, {"controller", true}}});
    return cm;
  };
  Create(owned("dep-1"));
  Create(owned("dep-2"));
  Create(ConfigMap("default", "unrelated"));

  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), Fast());
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  std::vector<std::string> names;
  for (const Json& o : informer.ListOwnedBy(uid)) names.push_back(NameOf(o));
  EXPECT_EQ(names, (std::vector<std::string>{"dep-1", "dep-2"}));
  EXPECT_TRUE(informer.ListOwnedBy("no-such-uid").empty());

  // Deleting the owner: kubesim's garbage collector removes the dependents,
  // the informer sees the deletes and the index empties.
  ASSERT_TRUE(writer_->Delete(kube::ResourceRef::Core("configmaps", "default", "owner")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.ListOwnedBy(uid).empty(); }));
  EXPECT_TRUE(Eventually([&] { return recorder.Count("delete", "dep-1") == 1 && recorder.Count("delete", "dep-2") == 1; }));
  EXPECT_TRUE(informer.Get("default", "unrelated").has_value());
}

TEST_F(InformerTest, RestartKeepingStateDoesNotRedeliverUnchangedObjects) {
  Create(ConfigMap("default", "stable"));
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), Fast());
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  env_->cluster().Restart(/*keep_state=*/true);
  Create(ConfigMap("default", "marker"));
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "marker").has_value(); }));
  // Whether it resumed or relisted, "stable" did not change: no event.
  EXPECT_EQ(recorder.Count("add", "stable"), 1);
  EXPECT_EQ(recorder.Count("update", "stable"), 0);
  EXPECT_EQ(recorder.Count("delete", "stable"), 0);
}

class SmallWatchCacheInformerTest : public InformerTest {
 protected:
  kubesim::ClusterOptions ClusterOptions() override {
    kubesim::ClusterOptions o;
    o.watch_cache_events = 5;
    return o;
  }
};

TEST_F(SmallWatchCacheInformerTest, RelistAfterGoneComputesAddsUpdatesAndDeletes) {
  Create(ConfigMap("default", "doomed"));
  const Json changing = Create(ConfigMap("default", "changing", {{"v", "1"}}));
  InformerOptions options = Fast();
  // Reconnect slowly after the drop so that the writes below push the
  // informer's resourceVersion out of the 5-event window meanwhile.
  options.backoff = {absl::Seconds(1), absl::Seconds(1), 2.0, 0.0};
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), options);
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  // Make sure the watch is open before cutting it.
  Create(ConfigMap("default", "probe"));
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "probe").has_value(); }));

  // Cut the network (the watch fails, so the informer backs off); the
  // writer then uses a fresh client, as its pooled connection went too.
  env_->server().DropConnections();
  auto writer = env_->NewClient();
  ASSERT_TRUE(writer->Delete(kube::ResourceRef::Core("configmaps", "default", "doomed")).ok());
  Json changed = changing;
  changed["data"]["v"] = "2";
  changed["metadata"].erase("resourceVersion");
  ASSERT_TRUE(writer->Update(kube::ResourceRef::Core("configmaps", "default"), changed).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(writer->Create(kube::ResourceRef::Core("configmaps", "default"),
                               ConfigMap("default", absl::StrCat("filler-", i)))
                    .ok());
  }

  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "filler-9").has_value(); }));
  EXPECT_TRUE(Eventually([&] { return recorder.Count("delete", "doomed") == 1; }));
  EXPECT_EQ(recorder.Count("update", "changing"), 1);
  EXPECT_EQ((*informer.Get("default", "changing"))["data"]["v"], "2");
  EXPECT_EQ(recorder.Count("add", "filler-0"), 1);
  EXPECT_EQ(recorder.Count("add", "probe"), 1);  // unchanged: not re-added
  EXPECT_GE(informer.list_watcher_stats().relists_on_gone, 1);
}

TEST_F(SmallWatchCacheInformerTest, RelistAfterAnApiServerRestartDeliversTheDeletes) {
  Create(ConfigMap("default", "before-1"));
  Create(ConfigMap("default", "before-2"));
  InformerOptions options = Fast();
  // Reconnect slowly, so that the writes after the restart push the resume
  // point out of the 5-event window: the informer must relist.
  options.backoff = {absl::Seconds(1), absl::Seconds(1), 2.0, 0.0};
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), options);
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  ASSERT_EQ(recorder.Count("add", "before-1"), 1);

  // The watch is open (it delivered the probe) when the network drops and
  // the cluster comes back empty (etcd wiped): no DELETED event is ever sent;
  // only the relist's diff can tell the handlers.
  Create(ConfigMap("default", "probe"));
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "probe").has_value(); }));
  env_->server().DropConnections();
  env_->cluster().Restart(/*keep_state=*/false);
  auto writer = env_->NewClient();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(writer->Create(kube::ResourceRef::Core("configmaps", "default"),
                               ConfigMap("default", absl::StrCat("after-", i)))
                    .ok());
  }
  ASSERT_TRUE(Eventually([&] { return recorder.Count("delete", "before-1") == 1; }));
  ASSERT_TRUE(Eventually([&] { return recorder.Count("delete", "before-2") == 1; }));
  EXPECT_FALSE(informer.Get("default", "before-1").has_value());
  EXPECT_EQ(recorder.Count("add", "after-7"), 1);

  // And it keeps watching afterwards.
  ASSERT_TRUE(writer->Create(kube::ResourceRef::Core("configmaps", "default"), ConfigMap("default", "later")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "later").has_value(); }));
  EXPECT_GE(informer.list_watcher_stats().lists, 2);
  EXPECT_GE(informer.list_watcher_stats().relists_on_gone, 1);
}

TEST_F(InformerTest, ResyncRedeliversEveryObjectAsAnUpdateOfItself) {
  Create(ConfigMap("default", "r1"));
  Create(ConfigMap("default", "r2"));
  InformerOptions options = Fast();
  options.resync_period = absl::Milliseconds(50);
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), options);
  Recorder recorder;
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  ASSERT_TRUE(Eventually([&] { return recorder.Count("update", "r1") >= 2 && recorder.Count("update", "r2") >= 2; }));
  for (const Recorder::Event& e : recorder.Snapshot()) {
    if (e.type == "update") {
      EXPECT_EQ(e.old_rv, e.rv);
    }
  }
  informer.Stop();
  const int after_stop = recorder.Count("update");
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_EQ(recorder.Count("update"), after_stop);  // stopped means stopped
  std::lock_guard<std::mutex> lock(recorder.mu);
  EXPECT_EQ(recorder.concurrent, 0);  // resync and watch never overlap
}

TEST_F(InformerTest, HandlersAddedAfterStartSeeOnlyChanges) {
  Create(ConfigMap("default", "old"));
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), Fast());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  Recorder late;
  informer.AddHandlers(late.Handlers());
  Create(ConfigMap("default", "new"));
  ASSERT_TRUE(Eventually([&] { return late.Count("add", "new") == 1; }));
  EXPECT_EQ(late.Count("add", "old"), 0);
}

TEST_F(InformerTest, AThrowingHandlerIsReportedAndTheInformerCarriesOn) {
  std::mutex mu;
  std::vector<std::string> errors;
  InformerOptions options = Fast();
  options.on_error = [&](const absl::Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::string(s.message()));
  };
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), options);
  ResourceEventHandlers bad;
  bad.on_add = [](const Json& o) { (void)o.at("no-such-field"); };  // throws
  informer.AddHandlers(bad);
  Recorder good;
  informer.AddHandlers(good.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  Create(ConfigMap("default", "x"));
  ASSERT_TRUE(Eventually([&] { return good.Count("add", "x") == 1; }));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.back().find("handler threw"), std::string::npos) << errors.back();
}

TEST_F(InformerTest, StopIsIdempotentAndAnUnstartedInformerIsHarmless) {
  {
    Informer never_started(*client_, kube::ResourceRef::Core("configmaps", "default"));
    never_started.Stop();
  }
  Informer informer(*client_, kube::ResourceRef::Core("configmaps", "default"), Fast());
  informer.Start();
  informer.Start();  // once only
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(20)));
  informer.Stop();
  informer.Stop();
  EXPECT_TRUE(informer.HasSynced());  // the cache stays readable
}

}  // namespace
}  // namespace srfleet::agent
