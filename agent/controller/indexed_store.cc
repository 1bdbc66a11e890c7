#include "agent/controller/indexed_store.h"

namespace srfleet::agent {
namespace {

// Field lookups that never throw: objects come from the server and a
// malformed one must not take the informer thread down.
const Json* Field(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringField(const Json* object, const char* key) {
  if (object == nullptr) return "";
  const Json* value = Field(*object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

std::string ResourceVersion(const Json& object) { return StringField(Field(object, "metadata"), "resourceVersion"); }

}  // namespace

StoreKey KeyOf(const Json& object) {
  const Json* metadata = Field(object, "metadata");
  return StoreKey{StringField(metadata, "namespace"), StringField(metadata, "name")};
}

bool LabelsMatch(const Json& object, const std::vector<std::pair<std::string, std::string>>& match_labels) {
  if (match_labels.empty()) return true;
  const Json* metadata = Field(object, "metadata");
  const Json* labels = metadata != nullptr ? Field(*metadata, "labels") : nullptr;
  if (labels == nullptr) return false;
  for (const auto& [key, value] : match_labels) {
    const Json* actual = Field(*labels, key.c_str());
    if (actual == nullptr || !actual->is_string() || actual->get<std::string>() != value) return false;
  }
  return true;
}

std::vector<std::string> OwnerUids(const Json& object) {
  std::vector<std::string> out;
  const Json* metadata = Field(object, "metadata");
  const Json* refs = metadata != nullptr ? Field(*metadata, "ownerReferences") : nullptr;
  if (refs == nullptr || !refs->is_array()) return out;
  for (const Json& ref : *refs) {
    std::string uid = StringField(&ref, "uid");
    if (!uid.empty()) out.push_back(std::move(uid));
  }
  return out;
}

void IndexedStore::Index(const StoreKey& key, const Json& object) {
  for (const std::string& uid : OwnerUids(object)) by_owner_uid_[uid].insert(key);
}

void IndexedStore::Unindex(const StoreKey& key, const Json& object) {
  for (const std::string& uid : OwnerUids(object)) {
    auto it = by_owner_uid_.find(uid);
    if (it == by_owner_uid_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) by_owner_uid_.erase(it);
  }
}

std::optional<StoreChange> IndexedStore::Upsert(ObjectPtr object) {
  StoreKey key = KeyOf(*object);
  if (key.name.empty()) return std::nullopt;
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    Index(key, *object);
    objects_.emplace(std::move(key), object);
    return StoreChange{StoreChange::Type::kAdd, nullptr, std::move(object)};
  }
  ObjectPtr old = std::move(it->second);
  Unindex(key, *old);
  Index(key, *object);
  it->second = object;
  return StoreChange{StoreChange::Type::kUpdate, std::move(old), std::move(object)};
}

std::optional<StoreChange> IndexedStore::Erase(ObjectPtr last_state) {
  const StoreKey key = KeyOf(*last_state);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  Unindex(key, *it->second);
  ObjectPtr old = std::move(it->second);
  objects_.erase(it);
  return StoreChange{StoreChange::Type::kDelete, std::move(old), std::move(last_state)};
}

std::vector<StoreChange> IndexedStore::Replace(std::vector<Json> items) {
  std::map<StoreKey, ObjectPtr> next;
  for (Json& item : items) {
    StoreKey key = KeyOf(item);
    if (key.name.empty()) continue;
    next[std::move(key)] = std::make_shared<const Json>(std::move(item));
  }
  std::vector<StoreChange> changes;
  // Both maps are sorted by key: one merge pass finds every difference.
  auto old_it = objects_.begin();
  auto new_it = next.begin();
  while (old_it != objects_.end() || new_it != next.end()) {
    if (new_it == next.end() || (old_it != objects_.end() && old_it->first < new_it->first)) {
      changes.push_back({StoreChange::Type::kDelete, old_it->second, old_it->second});
      ++old_it;
    } else if (old_it == objects_.end() || new_it->first < old_it->first) {
      changes.push_back({StoreChange::Type::kAdd, nullptr, new_it->second});
      ++new_it;
    } else {
      // An unchanged resourceVersion is the same object: no event (a relist
      // after a dropped watch must not re-deliver the whole collection).
      if (ResourceVersion(*old_it->second) != ResourceVersion(*new_it->second)) {
        changes.push_back({StoreChange::Type::kUpdate, old_it->second, new_it->second});
      }
      ++old_it;
      ++new_it;
    }
  }
  objects_ = std::move(next);
  by_owner_uid_.clear();
  for (const auto& [key, object] : objects_) Index(key, *object);
  return changes;
}

ObjectPtr IndexedStore::Find(const StoreKey& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> IndexedStore::List(const std::string& ns,
                                          const std::vector<std::pair<std::string, std::string>>& match_labels) const {
  std::vector<ObjectPtr> out;
  // A namespace is a contiguous key range of the sorted map: that is the
  // namespace index.
  auto it = ns.empty() ? objects_.begin() : objects_.lower_bound(StoreKey{ns, ""});
  for (; it != objects_.end(); ++it) {
    if (!ns.empty() && it->first.ns != ns) break;
    if (LabelsMatch(*it->second, match_labels)) out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> IndexedStore::ListOwnedBy(const std::string& owner_uid) const {
  std::vector<ObjectPtr> out;
  auto it = by_owner_uid_.find(owner_uid);
  if (it == by_owner_uid_.end()) return out;
  for (const StoreKey& key : it->second) {
    if (auto found = objects_.find(key); found != objects_.end()) out.push_back(found->second);
  }
  return out;
}

std::vector<ObjectPtr> IndexedStore::All() const {
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

}  // namespace srfleet::agent
