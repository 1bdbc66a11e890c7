// A read-only view of the objects an informer holds for one resource. The
// reconciler reads only from caches (never from the API server) and writes
// through the KubeClient, as with controller-runtime.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shared/json/json.h"

namespace srfleet::agent {

class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  // The object or nullopt. Cluster-scoped resources use ns "".
  virtual std::optional<Json> Get(const std::string& ns, const std::string& name) const = 0;
  // Objects in `ns` ("" = all namespaces) whose labels match every pair of
  // `match_labels` (empty = all), sorted by namespace/name (deterministic).
  virtual std::vector<Json> List(const std::string& ns,
                                 const std::vector<std::pair<std::string, std::string>>& match_labels = {}) const = 0;
  // Objects that have an ownerReference with this uid.
  virtual std::vector<Json> ListOwnedBy(const std::string& owner_uid) const = 0;
  // True once the first list has been loaded.
  virtual bool HasSynced() const = 0;
};

// Callbacks an informer invokes after its store changed. `old_object` is null
// for adds; for deletes `object` is the last known state.
struct ResourceEventHandlers {
  std::function<void(const Json& object)> on_add;
  std::function<void(const Json& old_object, const Json& object)> on_update;
  std::function<void(const Json& object)> on_delete;
};

}  // namespace srfleet::agent
