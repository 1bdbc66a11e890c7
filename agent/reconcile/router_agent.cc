#include "agent/reconcile/router_agent.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/reconcile/cache_set.h"
#include "agent/reconcile/dependency_index.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent {
namespace {

// Runs every handler of each set in order (one informer, several concerns).
ResourceEventHandlers Chain(std::vector<ResourceEventHandlers> all) {
  ResourceEventHandlers h;
  h.on_add = [all](const Json& o) {
    for (const auto& x : all) {
      if (x.on_add) x.on_add(o);
    }
  };
  h.on_update = [all](const Json& old_object, const Json& o) {
    for (const auto& x : all) {
      if (x.on_update) x.on_update(old_object, o);
    }
  };
  h.on_delete = [all](const Json& o) {
    for (const auto& x : all) {
      if (x.on_delete) x.on_delete(o);
    }
  };
  return h;
}

}  // namespace

struct RouterAgent::State {
  kube::KubeClient& client;
  RouterAgentOptions options;
  WorkQueue queue;
  CacheSet caches;
  DependencyIndex index;
  PlatformDetector detector;
  EventRecorder events;
  std::unique_ptr<RouterReconciler> reconciler;
  std::unique_ptr<Controller> controller;

  mutable absl::Mutex mu;
  std::map<std::string, std::shared_ptr<Informer>> informers ABSL_GUARDED_BY(mu);
  bool informers_started ABSL_GUARDED_BY(mu) = false;
  bool workers_started ABSL_GUARDED_BY(mu) = false;
  bool stopped ABSL_GUARDED_BY(mu) = false;

  State(kube::KubeClient& c, RouterAgentOptions o)
      : client(c),
        options(std::move(o)),
        queue(options.queue),
        detector(c, PlatformDetectorOptions{options.platform_interval}),
        events(options.events_client ? *options.events_client : c, options.events) {}

  // Which namespace an informer of `info` lists ("" = all / cluster-scoped).
  std::string NamespaceFor(const KindInfo& info) const { return info.namespaced ? options.watch_namespace : ""; }

  ResourceEventHandlers HandlersFor(const KindInfo& info) {
    std::vector<ResourceEventHandlers> handlers;
    if (info.kind == kRouterKind) {
      handlers.push_back(EnqueueSelf(queue));
      ResourceEventHandlers idx;
      idx.on_add = [this](const Json& o) { index.Update(o); };
      idx.on_update = [this](const Json&, const Json& o) { index.Update(o); };
      idx.on_delete = [this](const Json& o) { index.Remove(o); };
      handlers.push_back(std::move(idx));
      return Chain(std::move(handlers));
    }
    if (info.owned) handlers.push_back(EnqueueOwnerOf(queue, kRouterKind, kRouterGroup));
    if (info.kind == "Service") {
      handlers.push_back(EnqueueMapped(queue, [this](const Json& o) { return index.ForService(o); }));
    } else if (info.kind == "InferenceService") {
      handlers.push_back(EnqueueMapped(queue, [this](const Json& o) { return index.ForInferenceService(o); }));
    } else if (info.kind == "Gateway") {
      handlers.push_back(EnqueueMapped(queue, [this](const Json& o) { return index.ForGateway(o); }));
    } else if (info.kind == "StorageClass") {
      handlers.push_back(EnqueueMapped(queue, [this](const Json& o) { return index.ForStorageClass(o); }));
    }
    return Chain(std::move(handlers));
  }

  std::shared_ptr<Informer> MakeInformer(const KindInfo& info) {
    InformerOptions io = options.informer;
    io.resync_period = options.resync_period;
    // Owned kinds other than Service (which backends also use) are selected
    // by the label every rendered object carries: the agent then caches its
    // own ConfigMaps and Secrets, not the whole cluster's.
    if (info.owned && info.kind != "Service") io.label_selector = absl::StrCat(kManagedByLabel, "=", kManagedByValue);
    const std::string kind = info.kind;
    io.on_error = [kind](const absl::Status& error) {
      spdlog::warn("msg=\"informer error; retrying\" kind={} error=\"{}\"", kind, std::string(error.message()));
    };
    auto informer = std::make_shared<Informer>(client, info.ref.WithNamespace(NamespaceFor(info)), io);
    informer->AddHandlers(HandlersFor(info));
    return informer;
  }

  // Starts the informers of served kinds that are not running, stops those
  // of kinds no longer served. Returns whether anything changed.
  bool SyncInformers(const render::PlatformFacts& facts) {
    std::vector<std::shared_ptr<Informer>> to_stop;
    bool changed = false;
    {
      absl::MutexLock lock(&mu);
      if (stopped) return false;
      for (const KindInfo& info : AllKinds()) {
        const bool served = IsServed(info, facts);
        auto it = informers.find(info.kind);
        if (served && it == informers.end()) {
          std::shared_ptr<Informer> informer = MakeInformer(info);
          informers[info.kind] = informer;
          caches.Put(info.kind, informer);
          if (informers_started) informer->Start();
          changed = true;
        } else if (!served && it != informers.end()) {
          caches.Remove(info.kind);
          to_stop.push_back(std::move(it->second));
          informers.erase(it);
          changed = true;
        }
      }
    }
    for (auto& informer : to_stop) informer->Stop();
    return changed;
  }

  void EnqueueAllRouters() {
    std::shared_ptr<const ObjectCache> routers = caches.Find(kRouterKind);
    if (!routers) return;
    for (const Json& r : routers->List("")) queue.Add(absl::StrCat(NamespaceOf(r), "/", NameOf(r)));
  }
};

RouterAgent::RouterAgent(kube::KubeClient& client, RouterAgentOptions options)
    : state_(std::make_unique<State>(client, std::move(options))) {
  State& s = *state_;
  s.options.reconciler.watched_namespace = s.options.watch_namespace;
  s.reconciler = std::make_unique<RouterReconciler>(
      client, s.caches,
      [&s]() -> std::optional<render::PlatformFacts> {
        if (!s.detector.detected()) return std::nullopt;
        return s.detector.facts();
      },
      s.events, s.options.reconciler);
  s.controller = std::make_unique<Controller>("semanticrouter", *s.reconciler, s.queue, std::max(1, s.options.workers));
  if (s.options.observer) s.controller->SetObserver(s.options.observer);
  s.detector.OnChange([&s](const render::PlatformFacts&, const render::PlatformFacts& after, bool first) {
    // New APIs (KServe installed, Gateway API added) get informers; every
    // router is looked at again since what it renders may have changed.
    bool changed = s.SyncInformers(after);
    if (!first) {
      spdlog::info("msg=\"platform changed; reconciling every router\" informers_changed={}", changed);
      s.EnqueueAllRouters();
    }
  });
}

RouterAgent::~RouterAgent() { Stop(); }

absl::Status RouterAgent::StartInformers(absl::Duration timeout) {
  State& s = *state_;
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status detected = s.detector.DetectNow();
  while (!detected.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(500));
    detected = s.detector.DetectNow();
  }
  if (!detected.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot detect the platform (discovery): ", detected.message()));
  }
  std::vector<std::shared_ptr<Informer>> to_start;
  {
    absl::MutexLock lock(&s.mu);
    if (s.informers_started || s.stopped) return absl::OkStatus();
    s.informers_started = true;
    for (auto& [kind, informer] : s.informers) to_start.push_back(informer);
  }
  for (auto& informer : to_start) informer->Start();
  s.detector.Start();
  return absl::OkStatus();
}

bool RouterAgent::WaitForSync(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (!Synced()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

void RouterAgent::StartWorkers() {
  State& s = *state_;
  {
    absl::MutexLock lock(&s.mu);
    if (s.workers_started || s.stopped) return;
    s.workers_started = true;
  }
  s.controller->Start();
  s.EnqueueAllRouters();  // a replica that just became leader starts from the caches
}

absl::Status RouterAgent::Start(absl::Duration timeout) {
  absl::Status started = StartInformers(timeout);
  if (!started.ok()) return started;
  if (!WaitForSync(timeout)) return absl::DeadlineExceededError("informers did not sync in time");
  StartWorkers();
  return absl::OkStatus();
}

void RouterAgent::Stop() {
  State& s = *state_;
  std::map<std::string, std::shared_ptr<Informer>> informers;
  {
    absl::MutexLock lock(&s.mu);
    if (s.stopped) return;
    s.stopped = true;
    informers = s.informers;
  }
  s.controller->Stop();
  s.detector.Stop();
  s.events.Stop();  // writes what is queued, briefly
  for (auto& [kind, informer] : informers) informer->Stop();
}

bool RouterAgent::Synced() const {
  absl::MutexLock lock(&state_->mu);
  if (!state_->informers_started) return false;
  for (const auto& [kind, informer] : state_->informers) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

bool RouterAgent::WorkersRunning() const {
  absl::MutexLock lock(&state_->mu);
  return state_->workers_started && !state_->stopped;
}

WorkQueue& RouterAgent::queue() { return state_->queue; }

ControllerStats RouterAgent::stats() const { return state_->controller->stats(); }

std::optional<render::PlatformFacts> RouterAgent::platform() const {
  if (!state_->detector.detected()) return std::nullopt;
  return state_->detector.facts();
}

EventRecorder::Stats RouterAgent::event_stats() const { return state_->events.stats(); }

absl::Status RouterAgent::RedetectPlatform() { return state_->detector.DetectNow(); }

}  // namespace srfleet::agent
