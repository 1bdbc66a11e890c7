// The agent end to end against kubesim, in process: one simulated cluster
// behind an HTTPS SimServer, the agent (RouterAgent) with short resync and
// backoff settings, and a separate test client that plays kubectl.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"
#include "agent/reconcile/router_agent.h"
#include "shared/json/yaml_codec.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/list_watcher.h"
#include "shared/kubesim/cluster.h"
#include "shared/model/semantic_router.h"
#include "shared/render/renderer.h"
#include "tests/agent/kubesim_env.h"
#include "tests/support/test_files.h"

namespace srfleet::agent::e2e {

// Polls `done` every 20 ms until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

inline kubesim::ClusterOptions SimOptions(bool openshift = false, bool kserve = true, bool gateway_api = true) {
  kubesim::ClusterOptions o;
  o.openshift = openshift;
  o.kserve = kserve;
  o.gateway_api = gateway_api;
  o.watch_cache_events = 100000;
  return o;
}

// Settings that keep tests fast without changing what is tested.
inline RouterAgentOptions FastAgentOptions() {
  RouterAgentOptions o;
  o.workers = 2;
  o.resync_period = absl::Seconds(30);
  o.platform_interval = absl::Milliseconds(500);
  o.queue.base_delay = absl::Milliseconds(5);
  o.queue.max_delay = absl::Milliseconds(500);
  o.queue.qps = 1000;
  o.queue.burst = 1000;
  o.informer.backoff = kube::BackoffPolicy{absl::Milliseconds(20), absl::Milliseconds(300), 2.0, 0.5};
  o.events.min_patch_interval = absl::Seconds(1);
  return o;
}

inline kube::ClientOptions FastClientOptions(int max_attempts = 3) {
  kube::ClientOptions o;
  o.max_attempts = max_attempts;
  o.retry_backoff = kube::BackoffPolicy{absl::Milliseconds(5), absl::Milliseconds(50), 2.0, 0.5};
  o.max_retry_after = absl::Milliseconds(50);
  return o;
}

inline const kube::ResourceRef& RoutersRef() { return RouterKindInfo().ref; }

class AgentHarness {
 public:
  explicit AgentHarness(kubesim::ClusterOptions options = SimOptions()) : env_(std::move(options)) {
    if (!env_.ok()) return;
    absl::Status crd = env_.cluster().InstallSemanticRouterCrd();
    EXPECT_TRUE(crd.ok()) << crd;
    agent_client_ = env_.NewClient(FastClientOptions());
    // The test's own client retries hard, through its own server in front of
    // the same cluster: it must see the cluster through the fault storms and
    // connection drops it injects for the agent.
    test_server_ = testing::KubesimEnv::StartServer(&env_.cluster());
    if (!test_server_) return;
    absl::StatusOr<std::unique_ptr<kube::KubeClient>> client =
        kube::KubeClient::New(env_.ConfigFor(*test_server_), FastClientOptions(40));
    EXPECT_TRUE(client.ok()) << client.status();
    if (client.ok()) test_client_ = *std::move(client);
  }
  ~AgentHarness() {
    StopAgent();
    if (test_server_) test_server_->Stop();
  }

  bool ok() const { return env_.ok() && agent_client_ && test_client_; }
  kubesim::Cluster& cluster() { return env_.cluster(); }
  kubesim::SimServer& server() { return env_.server(); }  // the agent's
  kube::KubeClient& client() { return *test_client_; }
  kube::KubeClient& agent_client() { return *agent_client_; }
  RouterAgent& agent() { return *agent_; }

  void StartAgent(RouterAgentOptions options = FastAgentOptions()) {
    agent_ = std::make_unique<RouterAgent>(*agent_client_, std::move(options));
    absl::Status started = agent_->Start(absl::Seconds(20));
    ASSERT_TRUE(started.ok()) << started;
  }
  void StopAgent() {
    if (agent_) agent_->Stop();
    agent_.reset();
  }

  // --- writing, as kubectl would --------------------------------------------

  void CreateNamespace(const std::string& name) {
    absl::StatusOr<Json> ns = test_client_->Create(
        kube::ResourceRef::Core("namespaces"), {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    ASSERT_TRUE(ns.ok() || kube::IsAlreadyExists(ns.status())) << ns.status();
  }

  Json Create(const kube::ResourceRef& collection, const Json& object) {
    absl::StatusOr<Json> created = test_client_->Create(collection.WithNamespace(NamespaceOf(object)), object);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Json();
  }

  Json CreateService(const std::string& ns, const std::string& name, Json labels = Json::object(), int port = 8000,
                     const std::string& port_name = "http") {
    Json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"spec", {{"ports", Json::array({{{"name", port_name}, {"port", port}}})},
                          {"selector", {{"app", name}}}}}};
    if (!labels.empty()) svc["metadata"]["labels"] = std::move(labels);
    return Create(kube::ResourceRef::Core("services"), svc);
  }

  Json CreateInferenceService(const std::string& ns, const std::string& name, Json status = Json()) {
    Json isvc = {{"apiVersion", "serving.kserve.io/v1beta1"},
                 {"kind", "InferenceService"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"spec", {{"predictor", {{"model", {{"modelFormat", {{"name", "huggingface"}}}}}}}}}};
    Json created = Create(KindRef("InferenceService"), isvc);
    if (!status.is_null()) {
      absl::StatusOr<Json> patched = test_client_->MergePatchStatus(
          KindRef("InferenceService").WithNamespace(ns).WithName(name), {{"status", status}});
      EXPECT_TRUE(patched.ok()) << patched.status();
      if (patched.ok()) created = *patched;
    }
    return created;
  }

  Json CreateStorageClass(const std::string& name, bool is_default = false) {
    Json sc = {{"apiVersion", "storage.k8s.io/v1"},
               {"kind", "StorageClass"},
               {"metadata", {{"name", name}}},
               {"provisioner", "example.com/nfs"}};
    if (is_default) sc["metadata"]["annotations"] = {{"storageclass.kubernetes.io/is-default-class", "true"}};
    return Create(KindRef("StorageClass"), sc);
  }

  Json CreateGateway(const std::string& ns, const std::string& name) {
    Json gw = {{"apiVersion", "gateway.networking.k8s.io/v1"},
               {"kind", "Gateway"},
               {"metadata", {{"name", name}, {"namespace", ns}}},
               {"spec", {{"gatewayClassName", "istio"},
                         {"listeners", Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "HTTP"}}})}}}};
    return Create(KindRef("Gateway"), gw);
  }

  Json CreateSecret(const std::string& ns, const std::string& name, const std::string& key,
                    const std::string& base64_value) {
    Json secret = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", name}, {"namespace", ns}}},
                   {"data", {{key, base64_value}}}};
    return Create(kube::ResourceRef::Core("secrets"), secret);
  }

  // The SemanticRouter of a sample file (samples/<file>).
  static Json Sample(const std::string& file) {
    absl::StatusOr<Json> parsed =
        ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / file));
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : Json();
  }

  Json CreateRouter(const Json& router) { return Create(RoutersRef(), router); }

  // --- reading -----------------------------------------------------------------

  std::optional<Json> Get(const kube::ResourceRef& ref) {
    absl::StatusOr<Json> got = test_client_->Get(ref);
    if (!got.ok()) return std::nullopt;
    return *got;
  }
  std::optional<Json> GetKind(const std::string& kind, const std::string& ns, const std::string& name) {
    return Get(KindRef(kind).WithNamespace(ns).WithName(name));
  }
  std::optional<Json> Router(const std::string& ns, const std::string& name) {
    return Get(RoutersRef().WithNamespace(ns).WithName(name));
  }
  std::string Phase(const std::string& ns, const std::string& name) {
    std::optional<Json> r = Router(ns, name);
    return r ? StringField(*r, {"status", "phase"}) : "";
  }
  // The condition of that type, or null.
  Json Condition(const std::string& ns, const std::string& name, const std::string& type) {
    std::optional<Json> r = Router(ns, name);
    if (!r) return Json();
    const Json* conditions = FindField(*r, {"status", "conditions"});
    if (!conditions || !conditions->is_array()) return Json();
    for (const auto& c : *conditions) {
      if (StringField(c, {"type"}) == type) return c;
    }
    return Json();
  }
  std::string ConditionStatus(const std::string& ns, const std::string& name, const std::string& type) {
    Json c = Condition(ns, name, type);
    return c.is_null() ? "" : StringField(c, {"status"});
  }
  bool WaitForPhase(const std::string& ns, const std::string& name, const std::string& phase,
                    absl::Duration timeout = absl::Seconds(15)) {
    return WaitFor([&] { return Phase(ns, name) == phase; }, timeout);
  }

  // "Kind/name" of every object in `ns` whose controller is the router `uid`.
  std::set<std::string> OwnedObjects(const std::string& ns, const std::string& uid) {
    std::set<std::string> out;
    render::PlatformFacts facts{cluster().options().openshift, cluster().options().gateway_api,
                                cluster().options().kserve, ""};
    for (const KindInfo* info : OwnedKinds()) {
      if (!IsServed(*info, facts)) continue;
      absl::StatusOr<kube::ObjectList> list = test_client_->List(info->ref.WithNamespace(ns));
      if (!list.ok()) continue;
      for (const auto& o : list->items) {
        const Json* refs = FindField(o, {"metadata", "ownerReferences"});
        if (!refs || !refs->is_array()) continue;
        for (const auto& r : *refs) {
          if (StringField(r, {"uid"}) == uid && BoolField(r, {"controller"})) out.insert(info->kind + "/" + NameOf(o));
        }
      }
    }
    return out;
  }

  // "Kind/name" the offline renderer produces for `router` on this cluster.
  std::set<std::string> ExpectedObjects(const Json& router) {
    std::set<std::string> out;
    absl::StatusOr<model::ParsedDocuments> parsed = model::ParseSemanticRouters(router.dump());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok() || parsed->routers.empty()) return out;
    render::RenderInput input;
    input.platform = {cluster().options().openshift, cluster().options().gateway_api, cluster().options().kserve,
                      "v1.30.2"};
    input.backends = render::AssumedBackends(parsed->routers[0]);
    absl::StatusOr<render::RenderResult> rendered = render::Render(parsed->routers[0], input);
    EXPECT_TRUE(rendered.ok()) << rendered.status();
    if (!rendered.ok()) return out;
    for (const auto& o : rendered->objects) {
      const KindInfo* info = FindKind(KindOf(o));
      if (info && IsServed(*info, input.platform)) out.insert(KindOf(o) + "/" + NameOf(o));
    }
    return out;
  }

  static kube::ResourceRef KindRef(const std::string& kind) {
    const KindInfo* info = FindKind(kind);
    EXPECT_NE(info, nullptr) << kind;
    return info ? info->ref : kube::ResourceRef{};
  }

  // Write requests since the last ResetCounters(), by "verb resource".
  std::map<std::string, int64_t> Writes() {
    std::map<std::string, int64_t> out;
    for (const auto& [key, n] : cluster().counters().by_verb_resource) {
      const std::string verb = key.substr(0, key.find(' '));
      if (verb == "create" || verb == "update" || verb == "patch" || verb == "apply" || verb == "delete" ||
          verb == "deletecollection") {
        out[key] = n;
      }
    }
    return out;
  }

 private:
  testing::KubesimEnv env_;
  std::unique_ptr<kubesim::SimServer> test_server_;
  std::unique_ptr<kube::KubeClient> agent_client_;
  std::unique_ptr<kube::KubeClient> test_client_;
  std::unique_ptr<RouterAgent> agent_;
};

// Every status phase the routers of one namespace go through, as seen by a
// watch (a transient phase cannot be missed, unlike with polling).
class PhaseWatcher {
 public:
  PhaseWatcher(kube::KubeClient& client, const std::string& ns)
      : watcher_(client, RoutersRef().WithNamespace(ns), Options()) {
    thread_ = std::thread([this] {
      kube::ListWatcher::Handlers h;
      h.on_snapshot = [this](std::vector<Json> items, const std::string&) {
        for (const auto& o : items) Record(o);
      };
      h.on_event = [this](const kube::WatchEvent& e) { Record(e.object); };
      (void)watcher_.Run(h, cancel_);
    });
  }
  ~PhaseWatcher() {
    cancel_.Cancel();
    thread_.join();
  }
  // How many times `name` was seen in `phase` (consecutive duplicates included).
  int Seen(const std::string& name, const std::string& phase) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [who, p] : seen_) n += who == name && p == phase;
    return n;
  }

 private:
  static kube::ListWatcherOptions Options() {
    kube::ListWatcherOptions o;
    o.backoff = {absl::Milliseconds(20), absl::Milliseconds(200), 2.0, 0.5};
    return o;
  }
  void Record(const Json& o) {
    absl::MutexLock lock(&mu_);
    seen_.emplace_back(NameOf(o), StringField(o, {"status", "phase"}));
  }
  kube::ListWatcher watcher_;
  kube::CancelToken cancel_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, std::string>> seen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

inline std::string Describe(const std::map<std::string, int64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) absl::StrAppend(&out, k, "=", v, " ");
  return out;
}

inline std::string Describe(const std::set<std::string>& s) {
  std::string out;
  for (const auto& k : s) absl::StrAppend(&out, k, " ");
  return out;
}

}  // namespace srfleet::agent::e2e
