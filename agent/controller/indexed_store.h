// The informer's store: objects of one resource keyed by (namespace, name),
// kept sorted (so List is deterministic and a namespace is a key range) with
// an index by owner uid. Not thread-safe: the informer guards it. Objects are
// held as shared immutable trees so that handing them to event handlers and
// resyncs copies pointers, not documents.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "shared/json/json.h"

namespace srfleet::agent {

using ObjectPtr = std::shared_ptr<const Json>;

struct StoreKey {
  std::string ns, name;
  auto operator<=>(const StoreKey&) const = default;
};

// metadata.namespace ("" when absent) and metadata.name ("" when absent).
StoreKey KeyOf(const Json& object);

// What a store change means for event handlers. `old_object` is null for adds.
struct StoreChange {
  enum class Type { kAdd, kUpdate, kDelete };
  Type type;
  ObjectPtr old_object;
  ObjectPtr object;  // for deletes: the last known state
};

class IndexedStore {
 public:
  // Inserts or replaces; returns the change (add, or update with the old object).
  // Objects without a name are ignored (nullopt).
  std::optional<StoreChange> Upsert(ObjectPtr object);
  // Removes the object `last_state` names; `last_state` (the watch's final
  // view) is reported as the deleted object. nullopt when it was not stored.
  std::optional<StoreChange> Erase(ObjectPtr last_state);
  // Replaces everything with `items` (a relist) and returns the differences:
  // adds, updates where the resourceVersion changed, and deletes of what is gone.
  std::vector<StoreChange> Replace(std::vector<Json> items);

  ObjectPtr Find(const StoreKey& key) const;
  // `ns` "" = every namespace; sorted by namespace/name.
  std::vector<ObjectPtr> List(const std::string& ns,
                              const std::vector<std::pair<std::string, std::string>>& match_labels) const;
  std::vector<ObjectPtr> ListOwnedBy(const std::string& owner_uid) const;
  std::vector<ObjectPtr> All() const;
  size_t size() const { return objects_.size(); }

 private:
  void Index(const StoreKey& key, const Json& object);
  void Unindex(const StoreKey& key, const Json& object);

  std::map<StoreKey, ObjectPtr> objects_;
  std::map<std::string, std::set<StoreKey>> by_owner_uid_;
};

// True when every pair matches metadata.labels exactly.
bool LabelsMatch(const Json& object, const std::vector<std::pair<std::string, std::string>>& match_labels);
// The uids in metadata.ownerReferences[].
std::vector<std::string> OwnerUids(const Json& object);

}  // namespace srfleet::agent
