#include "agent/controller/informer.h"

#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/controller/indexed_store.h"
#include "shared/kube/cancel.h"

namespace srfleet::agent {
namespace {

kube::ResourceRef CollectionOf(kube::ResourceRef ref) {
  ref.name.clear();
  ref.subresource.clear();
  return ref;
}

kube::ListWatcherOptions ListWatcherOptionsFor(const InformerOptions& options) {
  kube::ListWatcherOptions out;
  out.label_selector = options.label_selector;
  out.field_selector = options.field_selector;
  out.backoff = options.backoff;
  out.watch_timeout_seconds = options.watch_timeout_seconds;
  out.page_size = options.page_size;
  return out;
}

using HandlerList = std::vector<std::shared_ptr<const ResourceEventHandlers>>;

}  // namespace

struct Informer::State {
  State(kube::KubeClient& c, kube::ResourceRef r, InformerOptions o)
      : ref(CollectionOf(std::move(r))), options(std::move(o)), list_watcher(c, ref, ListWatcherOptionsFor(options)) {}

  void ReportError(const absl::Status& error) {
    if (options.on_error) options.on_error(error);
  }

  // Changes the store under `mu` and then, with `mu` released, tells every
  // handler. `dispatch_mu` is held throughout, so handlers see changes in
  // the order the store took them, one call at a time.
  template <typename Mutate>
  void ApplyAndDispatch(Mutate mutate) {
    absl::MutexLock dispatch(&dispatch_mu);
    std::vector<StoreChange> changes;
    HandlerList targets;
    {
      absl::MutexLock lock(&mu);
      changes = mutate(store);
      targets = handlers;
    }
    for (const StoreChange& change : changes) {
      for (const auto& h : targets) Deliver(*h, change);
    }
  }

  void Deliver(const ResourceEventHandlers& h, const StoreChange& change) {
    // A throwing handler must not kill the watch thread (std::terminate);
    // the event is reported and the next handler still runs.
    try {
      switch (change.type) {
        case StoreChange::Type::kAdd:
          if (h.on_add) h.on_add(*change.object);
          break;
        case StoreChange::Type::kUpdate:
          if (h.on_update) h.on_update(*change.old_object, *change.object);
          break;
        case StoreChange::Type::kDelete:
          if (h.on_delete) h.on_delete(*change.object);
          break;
      }
    } catch (const std::exception& e) {
      ReportError(absl::InternalError(absl::StrCat("informer ", ref.ResourceLabel(), ": handler threw: ", e.what())));
    } catch (...) {
      ReportError(absl::InternalError(absl::StrCat("informer ", ref.ResourceLabel(), ": handler threw")));
    }
  }

  void Trim(Json& object) const {
    if (!options.drop_managed_fields || !object.is_object()) return;
    auto meta = object.find("metadata");
    if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
  }

  void OnSnapshot(std::vector<Json> items) {
    for (Json& item : items) Trim(item);
    ApplyAndDispatch([&](IndexedStore& s) { return s.Replace(std::move(items)); });
    // Synced only after the handlers saw the initial adds, so that
    // WaitForSync() implies their keys are queued.
    absl::MutexLock lock(&mu);
    synced = true;
  }

  void OnEvent(const kube::WatchEvent& event) {
    Json trimmed = event.object;
    Trim(trimmed);
    auto object = std::make_shared<const Json>(std::move(trimmed));
    ApplyAndDispatch([&](IndexedStore& s) {
      std::vector<StoreChange> changes;
      std::optional<StoreChange> change;
      switch (event.type) {
        case kube::WatchEventType::kAdded:
        case kube::WatchEventType::kModified:
          // Either kind may find the key present or absent (an ADDED for a
          // known object after a resume): the store's view decides.
          change = s.Upsert(object);
          break;
        case kube::WatchEventType::kDeleted:
          change = s.Erase(object);
          break;
        default:
          break;
      }
      if (change) changes.push_back(std::move(*change));
      return changes;
    });
  }

  void Resync() {
    ApplyAndDispatch([](IndexedStore& s) {
      std::vector<StoreChange> changes;
      for (ObjectPtr& object : s.All()) changes.push_back({StoreChange::Type::kUpdate, object, object});
      return changes;
    });
  }

  void RunListWatch() {
    kube::ListWatcher::Handlers h;
    h.on_snapshot = [this](std::vector<Json> items, const std::string&) { OnSnapshot(std::move(items)); };
    h.on_event = [this](const kube::WatchEvent& event) { OnEvent(event); };
    h.on_error = [this](const absl::Status& error) { ReportError(error); };
    // Returns (Cancelled) only when Stop() cancels.
    list_watcher.Run(h, cancel).IgnoreError();
  }

  void RunResync() {
    while (!cancel.WaitFor(options.resync_period)) {
      bool ready;
      {
        absl::MutexLock lock(&mu);
        ready = synced;
      }
      if (ready) Resync();
    }
  }

  const kube::ResourceRef ref;
  const InformerOptions options;
  kube::ListWatcher list_watcher;
  kube::CancelToken cancel;

  absl::Mutex dispatch_mu ABSL_ACQUIRED_BEFORE(mu);
  mutable absl::Mutex mu;
  IndexedStore store ABSL_GUARDED_BY(mu);
  bool synced ABSL_GUARDED_BY(mu) = false;
  // Copied (as pointers) for each dispatch, so AddHandlers never waits for one.
  HandlerList handlers ABSL_GUARDED_BY(mu);
  bool started ABSL_GUARDED_BY(mu) = false;

  absl::Mutex threads_mu;  // Start/Stop from different threads
  std::thread watch_thread ABSL_GUARDED_BY(threads_mu);
  std::thread resync_thread ABSL_GUARDED_BY(threads_mu);
};

Informer::Informer(kube::KubeClient& client, kube::ResourceRef ref, InformerOptions options)
    : state_(std::make_unique<State>(client, std::move(ref), std::move(options))) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(ResourceEventHandlers handlers) {
  absl::MutexLock lock(&state_->mu);
  state_->handlers.push_back(std::make_shared<const ResourceEventHandlers>(std::move(handlers)));
}

void Informer::Start() {
  absl::MutexLock threads(&state_->threads_mu);
  {
    absl::MutexLock lock(&state_->mu);
    // Once only: a stopped informer stays stopped (its token is cancelled).
    if (state_->started) return;
    state_->started = true;
  }
  State* s = state_.get();
  state_->watch_thread = std::thread([s] { s->RunListWatch(); });
  if (state_->options.resync_period > absl::ZeroDuration()) {
    state_->resync_thread = std::thread([s] { s->RunResync(); });
  }
}

void Informer::Stop() {
  state_->cancel.Cancel();  // ends the watch at once and wakes the resync wait
  absl::MutexLock threads(&state_->threads_mu);
  if (state_->watch_thread.joinable()) state_->watch_thread.join();
  if (state_->resync_thread.joinable()) state_->resync_thread.join();
}

bool Informer::WaitForSync(absl::Duration timeout) const {
  absl::MutexLock lock(&state_->mu);
  return state_->mu.AwaitWithTimeout(absl::Condition(&state_->synced), timeout);
}

const kube::ResourceRef& Informer::ref() const { return state_->ref; }

kube::ListWatcherStats Informer::list_watcher_stats() const { return state_->list_watcher.stats(); }

size_t Informer::size() const {
  absl::MutexLock lock(&state_->mu);
  return state_->store.size();
}

std::optional<Json> Informer::Get(const std::string& ns, const std::string& name) const {
  ObjectPtr object;
  {
    absl::MutexLock lock(&state_->mu);
    object = state_->store.Find(StoreKey{ns, name});
  }
  // Copy outside the lock: the tree is immutable and kept alive by `object`.
  if (object == nullptr) return std::nullopt;
  return *object;
}

namespace {
std::vector<Json> Copies(const std::vector<ObjectPtr>& objects) {
  std::vector<Json> out;
  out.reserve(objects.size());
  for (const ObjectPtr& object : objects) out.push_back(*object);
  return out;
}
}  // namespace

std::vector<Json> Informer::List(const std::string& ns,
                                 const std::vector<std::pair<std::string, std::string>>& match_labels) const {
  std::vector<ObjectPtr> objects;
  {
    absl::MutexLock lock(&state_->mu);
    objects = state_->store.List(ns, match_labels);
  }
  return Copies(objects);
}

std::vector<Json> Informer::ListOwnedBy(const std::string& owner_uid) const {
  std::vector<ObjectPtr> objects;
  {
    absl::MutexLock lock(&state_->mu);
    objects = state_->store.ListOwnedBy(owner_uid);
  }
  return Copies(objects);
}

bool Informer::HasSynced() const {
  absl::MutexLock lock(&state_->mu);
  return state_->synced;
}

}  // namespace srfleet::agent
