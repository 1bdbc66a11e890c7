#include "shared/kubesim/watch_cache.h"

#include <algorithm>

namespace srfleet::kubesim {

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

const std::string& ChangeEvent::Line() const {
  if (!line) {
    line = std::make_shared<const std::string>(std::string("{\"type\":\"") + EventTypeName(type) +
                                               "\",\"object\":" + object.Serialize() + "}\n");
  }
  return *line;
}

void WatchCache::Reset(int64_t current_rv) {
  events_.clear();
  events_.shrink_to_fit();
  floor_ = current_rv;
}

void WatchCache::Add(ChangeEvent event) {
  events_.push_back(std::move(event));
  while (events_.size() > std::max<size_t>(capacity_, 1)) {
    // Like the real cacher: once an event is gone, resuming needs a version
    // at least one below the oldest remaining event.
    events_.pop_front();
    floor_ = events_.front().resource_version - 1;
  }
}

void WatchCache::ForEachAfter(int64_t rv, const std::function<void(const ChangeEvent&)>& visit) const {
  auto it = std::upper_bound(events_.begin(), events_.end(), rv,
                             [](int64_t v, const ChangeEvent& e) { return v < e.resource_version; });
  for (; it != events_.end(); ++it) visit(*it);
}

std::map<std::string, StoredObject> WatchCache::SnapshotAt(const ObjectStore& store, TypeId type,
                                                           const std::string& ns, int64_t rv) const {
  std::map<std::string, StoredObject> snapshot;
  store.Scan(type, ns, "", [&](const ObjectKey& key, const StoredObject& obj) {
    snapshot.emplace(key.path, obj);
    return true;
  });
  const std::string prefix = ns.empty() ? "" : ns + "/";
  for (auto it = events_.rbegin(); it != events_.rend() && it->resource_version > rv; ++it) {
    if (it->key.type != type) continue;
    if (!prefix.empty() && it->key.path.compare(0, prefix.size(), prefix) != 0) continue;
    if (it->type == EventType::kAdded) {
      snapshot.erase(it->key.path);
    } else {
      snapshot[it->key.path] = it->previous;
    }
  }
  return snapshot;
}

void WatchCache::ForEach(const std::function<void(const ChangeEvent&)>& visit) const {
  for (const auto& e : events_) visit(e);
}

size_t WatchCache::ApproximateBytes() const {
  size_t bytes = 0;
  for (const auto& e : events_) {
    bytes += sizeof(ChangeEvent);
    if (e.line) bytes += sizeof(std::string) + 16 + e.line->capacity();
  }
  return bytes;
}

}  // namespace srfleet::kubesim
