// The bounded history of changes a real apiserver keeps in its watch cache
// (and etcd until compaction): watches resume from it, paginated lists read
// consistent snapshots from it, and anything older is 410 Expired.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "shared/kubesim/object_store.h"

namespace srfleet::kubesim {

enum class EventType { kAdded, kModified, kDeleted };
const char* EventTypeName(EventType t);

struct ChangeEvent {
  int64_t resource_version = 0;
  EventType type = EventType::kAdded;
  ObjectKey key;
  StoredObject object;    // after the change (for DELETED: the last state, at the deletion's RV)
  StoredObject previous;  // before the change (empty for ADDED)
  // The event line in the storage version, built on first use and shared
  // by every watcher that receives it unchanged.
  mutable std::shared_ptr<const std::string> line;

  const std::string& Line() const;
};

class WatchCache {
 public:
  explicit WatchCache(size_t capacity) : capacity_(capacity) {}

  // Forgets everything: the history starts after `current_rv`.
  void Reset(int64_t current_rv);
  void Add(ChangeEvent event);

  // The oldest resourceVersion a watch or list may still name: events
  // strictly after it are all here. A request for an older one is 410.
  int64_t OldestResumable() const { return floor_; }
  bool CanServeFrom(int64_t rv) const { return rv >= floor_; }

  // Events with resource_version > rv, oldest first.
  void ForEachAfter(int64_t rv, const std::function<void(const ChangeEvent&)>& visit) const;

  // The objects of `type` (namespace `ns`, or all) as they were at `rv`,
  // rebuilt from the current store by undoing newer events. Requires
  // CanServeFrom(rv).
  std::map<std::string, StoredObject> SnapshotAt(const ObjectStore& store, TypeId type, const std::string& ns,
                                                 int64_t rv) const;

  void ForEach(const std::function<void(const ChangeEvent&)>& visit) const;
  size_t size() const { return events_.size(); }
  // Event records and cached lines; the object versions they point to are
  // counted by the caller (they are shared with the store).
  size_t ApproximateBytes() const;

 private:
  size_t capacity_;
  int64_t floor_ = 0;
  std::deque<ChangeEvent> events_;
};

}  // namespace srfleet::kubesim
