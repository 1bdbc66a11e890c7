// An informer: list+watch of one resource (kube::ListWatcher on its own
// thread) into an in-memory store, with event handlers and a periodic resync
// that re-delivers every object as an update (so missed work is redone).
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "agent/controller/object_cache.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/resource_ref.h"

namespace srfleet::agent {

struct InformerOptions {
  std::string label_selector;
  absl::Duration resync_period = absl::ZeroDuration();  // 0: no resync
};

class Informer : public ObjectCache {
 public:
  // `ref` names the resource (group/version/resource; ns "" = all namespaces).
  Informer(kube::KubeClient& client, kube::ResourceRef ref, InformerOptions options = {});
  ~Informer() override;  // stops
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added before Start() see every object; added later, only changes.
  void AddHandlers(ResourceEventHandlers handlers);
  void Start();
  void Stop();
  // Blocks until HasSynced() or the timeout passes.
  bool WaitForSync(absl::Duration timeout) const;

  const kube::ResourceRef& ref() const;

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
