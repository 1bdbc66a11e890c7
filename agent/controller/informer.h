// An informer: list+watch of one resource (kube::ListWatcher on its own
// thread) into an in-memory store, with event handlers and a periodic resync
// that re-delivers every object as an update (so missed work is redone).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/controller/object_cache.h"
#include "shared/kube/backoff.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/list_watcher.h"
#include "shared/kube/resource_ref.h"

namespace srfleet::agent {

struct InformerOptions {
  std::string label_selector;
  absl::Duration resync_period = absl::ZeroDuration();  // 0: no resync
  std::string field_selector;
  // Between failed lists/watches (tests shorten it).
  kube::BackoffPolicy backoff{absl::Milliseconds(200), absl::Seconds(30), 2.0, 0.5};
  int watch_timeout_seconds = 300;  // see kube::ListWatcherOptions
  int64_t page_size = 500;
  // Failures that will be retried, and exceptions thrown by handlers (which
  // are caught): for logs. Called on the informer's threads.
  std::function<void(const absl::Status& error)> on_error;
  // metadata.managedFields is the bulk of most objects and no reader of the
  // cache needs it: dropping it roughly halves the agent's memory.
  bool drop_managed_fields = true;
};

class Informer : public ObjectCache {
 public:
  // `ref` names the resource (group/version/resource; ns "" = all namespaces
  // or a cluster-scoped resource). Its name and subresource are ignored.
  Informer(kube::KubeClient& client, kube::ResourceRef ref, InformerOptions options = {});
  ~Informer() override;  // stops
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added before Start() see every object; added later, only changes.
  // Handlers are called one at a time (never concurrently, across the watch
  // and resync threads), without the store lock held, so they may read the
  // informer; they should be quick (enqueue a key) and must not Stop() it.
  void AddHandlers(ResourceEventHandlers handlers);
  void Start();
  void Stop();
  // Blocks until HasSynced() or the timeout passes.
  bool WaitForSync(absl::Duration timeout) const;

  const kube::ResourceRef& ref() const;
  // Lists, relists (410), watches, events seen by the underlying ListWatcher.
  kube::ListWatcherStats list_watcher_stats() const;
  size_t size() const;

  std::optional<Json> Get(const std::string& ns, const std::string& name) const override;
  std::vector<Json> List(const std::string& ns,
                         const std::vector<std::pair<std::string, std::string>>& match_labels = {}) const override;
  std::vector<Json> ListOwnedBy(const std::string& owner_uid) const override;
  bool HasSynced() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
