// Open watch streams of one cluster and the real server's delivery rules:
// namespace/selector filtering (an object leaving a selector arrives as
// DELETED, entering as ADDED), per-version encoding, bookmarks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "shared/kubesim/api_request.h"
#include "shared/kubesim/selectors.h"
#include "shared/kubesim/watch_cache.h"

namespace srfleet::kubesim {

struct WatchFilter {
  TypeId type = 0;
  std::string kind;
  std::string api_version;          // what the client asked for
  std::string storage_api_version;  // what objects are stored in
  bool unstructured = false;
  std::string ns;  // "" = all namespaces
  LabelSelector labels;
  FieldSelector fields;
  bool bookmarks = false;

  bool Matches(const StoredObject& object) const;
};

// The event line `event` becomes for a watcher with `filter`, or nothing.
std::optional<std::string> EventLineFor(const WatchFilter& filter, const ChangeEvent& event);
// {"type":"ADDED","object":...} for the initial state of a watch.
std::string AddedLine(const WatchFilter& filter, const StoredObject& object);
// BOOKMARK carrying only type meta and the resourceVersion (plus the
// initial-events-end annotation when `initial_events_end`).
std::string BookmarkLine(const WatchFilter& filter, int64_t resource_version, bool initial_events_end);
// The single ERROR event of a watch that cannot start (410 Expired).
std::string ErrorLine(const std::string& status_json);

class WatchHub {
 public:
  uint64_t Add(WatchFilter filter, std::shared_ptr<WatchSink> sink);
  // Returns false when `id` was not open.
  bool Remove(uint64_t id);
  void CloseAll();
  size_t size() const { return watchers_.size(); }

  // Delivers one committed change to every interested watcher.
  void Dispatch(const ChangeEvent& event, int bookmark_every);

  size_t ApproximateBytes() const;

 private:
  struct Watcher {
    WatchFilter filter;
    std::shared_ptr<WatchSink> sink;
    int64_t seen = 0;  // events of the watched type/namespace, for bookmark_every
  };
  uint64_t next_id_ = 1;
  std::map<uint64_t, Watcher> watchers_;
};

}  // namespace srfleet::kubesim
