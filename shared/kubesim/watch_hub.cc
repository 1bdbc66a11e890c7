#include "shared/kubesim/watch_hub.h"

#include "absl/strings/str_cat.h"
#include "shared/kubesim/json_access.h"

namespace srfleet::kubesim {
namespace {

bool InScope(const WatchFilter& f, const ObjectKey& key) {
  if (key.type != f.type) return false;
  if (f.ns.empty()) return true;
  return key.path.size() > f.ns.size() && key.path.compare(0, f.ns.size(), f.ns) == 0 && key.path[f.ns.size()] == '/';
}

std::string Wrap(const char* type, const std::string& object_json) {
  return absl::StrCat("{\"type\":\"", type, "\",\"object\":", object_json, "}\n");
}

std::string Encode(const WatchFilter& f, const StoredObject& object) {
  return object.Serialize(f.api_version == f.storage_api_version ? "" : f.api_version);
}

}  // namespace

bool WatchFilter::Matches(const StoredObject& object) const {
  if (!object) return false;
  return labels.Matches(object.view()) && fields.Matches(object.view());
}

std::optional<std::string> EventLineFor(const WatchFilter& f, const ChangeEvent& e) {
  if (!InScope(f, e.key)) return std::nullopt;
  const bool same_version = f.api_version == f.storage_api_version;
  const bool cur = e.type != EventType::kDeleted && f.Matches(e.object);
  const bool prev = e.type == EventType::kDeleted ? f.Matches(e.object) : f.Matches(e.previous);
  if (e.type == EventType::kDeleted) {
    if (!prev) return std::nullopt;
    return same_version ? e.Line() : Wrap("DELETED", Encode(f, e.object));
  }
  if (cur && (prev || e.type == EventType::kAdded)) {
    return same_version ? e.Line() : Wrap(EventTypeName(e.type), Encode(f, e.object));
  }
  if (cur) return Wrap("ADDED", Encode(f, e.object));
  if (prev) {
    // Left the selector: the previous content, at this event's version.
    Json old = e.previous.Materialize();
    MutableMeta(old)["resourceVersion"] = std::to_string(e.resource_version);
    if (!same_version) old["apiVersion"] = f.api_version;
    return Wrap("DELETED", WireDump(old));
  }
  return std::nullopt;
}

std::string AddedLine(const WatchFilter& f, const StoredObject& object) { return Wrap("ADDED", Encode(f, object)); }

std::string BookmarkLine(const WatchFilter& f, int64_t resource_version, bool initial_events_end) {
  Json meta = Json::object();
  Json obj = Json::object();
  if (f.unstructured) {
    // Unstructured objects carry no zero-valued creationTimestamp; keys sorted.
    if (initial_events_end) meta["annotations"] = Json{{"k8s.io/initial-events-end", "true"}};
    meta["resourceVersion"] = std::to_string(resource_version);
    obj["apiVersion"] = f.api_version;
    obj["kind"] = f.kind;
    obj["metadata"] = std::move(meta);
  } else {
    meta["resourceVersion"] = std::to_string(resource_version);
    meta["creationTimestamp"] = nullptr;  // as captured from kube-apiserver
    if (initial_events_end) meta["annotations"] = Json{{"k8s.io/initial-events-end", "true"}};
    obj["kind"] = f.kind;
    obj["apiVersion"] = f.api_version;
    obj["metadata"] = std::move(meta);
  }
  return Wrap("BOOKMARK", WireDump(obj));
}

std::string ErrorLine(const std::string& status_json) { return Wrap("ERROR", status_json); }

uint64_t WatchHub::Add(WatchFilter filter, std::shared_ptr<WatchSink> sink) {
  uint64_t id = next_id_++;
  watchers_.emplace(id, Watcher{std::move(filter), std::move(sink), 0});
  return id;
}

bool WatchHub::Remove(uint64_t id) { return watchers_.erase(id) > 0; }

void WatchHub::CloseAll() {
  auto watchers = std::move(watchers_);
  watchers_.clear();
  for (auto& [id, w] : watchers) {
    if (w.sink) w.sink->Close();
  }
}

void WatchHub::Dispatch(const ChangeEvent& event, int bookmark_every) {
  for (auto& [id, w] : watchers_) {
    if (!InScope(w.filter, event.key)) continue;
    if (auto line = EventLineFor(w.filter, event)) w.sink->Send(std::move(*line));
    ++w.seen;
    if (w.filter.bookmarks && bookmark_every > 0 && w.seen % bookmark_every == 0) {
      w.sink->Send(BookmarkLine(w.filter, event.resource_version, false));
    }
  }
}

size_t WatchHub::ApproximateBytes() const { return watchers_.size() * (sizeof(Watcher) + 64); }

}  // namespace srfleet::kubesim
