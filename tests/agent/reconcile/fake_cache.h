// An in-memory ObjectCache for unit tests of code that reads informer caches.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/controller/object_cache.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent::testing {

class FakeCache : public ObjectCache {
 public:
  FakeCache& Add(Json object) {
    // The key first: Json's operator= takes its argument by value, and that
    // argument is built (moved from `object`) before the left side runs.
    std::pair<std::string, std::string> key{NamespaceOf(object), NameOf(object)};
    objects_[key] = std::move(object);
    return *this;
  }
  void Remove(const std::string& ns, const std::string& name) { objects_.erase({ns, name}); }

  std::optional<Json> Get(const std::string& ns, const std::string& name) const override {
    auto it = objects_.find({ns, name});
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Json> List(const std::string& ns,
                         const std::vector<std::pair<std::string, std::string>>& match_labels = {}) const override {
    std::vector<Json> out;
    for (const auto& [key, o] : objects_) {  // std::map: sorted by namespace/name
      if (!ns.empty() && key.first != ns) continue;
      bool match = true;
      for (const auto& [k, v] : match_labels) {
        const Json* labels = FindField(o, {"metadata", "labels"});
        if (!labels || !labels->is_object() || StringField(*labels, {k.c_str()}) != v) match = false;
      }
      if (match) out.push_back(o);
    }
    return out;
  }
  std::vector<Json> ListOwnedBy(const std::string& owner_uid) const override {
    std::vector<Json> out;
    for (const auto& [key, o] : objects_) {
      const Json* refs = FindField(o, {"metadata", "ownerReferences"});
      if (!refs || !refs->is_array()) continue;
      for (const auto& r : *refs) {
        if (StringField(r, {"uid"}) == owner_uid) {
          out.push_back(o);
          break;
        }
      }
    }
    return out;
  }
  bool HasSynced() const override { return synced; }

  bool synced = true;

 private:
  std::map<std::pair<std::string, std::string>, Json> objects_;
};

inline Json Object(const std::string& api_version, const std::string& kind, const std::string& ns,
                   const std::string& name, Json labels = Json::object()) {
  Json o = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!labels.empty()) o["metadata"]["labels"] = std::move(labels);
  return o;
}

}  // namespace srfleet::agent::testing
