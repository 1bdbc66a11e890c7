#include "shared/kubesim/object_store.h"

#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/json_access.h"

namespace srfleet::kubesim {

Json StoredObject::Materialize() const {
  if (!object) return Json();
  if (!crd) return *object;
  Json out = Json::object();
  for (auto it = object->begin(); it != object->end(); ++it) {
    if (it.key() == "status") out["spec"] = crd->spec;
    out[it.key()] = *it;
  }
  if (!out.contains("spec")) out["spec"] = crd->spec;
  return out;
}

namespace {

std::string DumpSpliced(const Json& object, const CrdDefinition& crd) {
  std::string out = "{";
  bool first = true;
  bool spec_done = false;
  auto emit = [&](const std::string& key, const std::string& value) {
    if (!first) out.push_back(',');
    first = false;
    out += WireDump(Json(key));
    out.push_back(':');
    out += value;
  };
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() == "status" && !spec_done) {
      emit("spec", crd.spec_wire);
      spec_done = true;
    }
    emit(it.key(), WireDump(*it));
  }
  if (!spec_done) emit("spec", crd.spec_wire);
  out.push_back('}');
  return out;
}

}  // namespace

std::string StoredObject::Serialize(const std::string& api_version, bool omit_type_meta) const {
  if (!object) return "null";
  const Json& obj = *object;
  if (crd) return DumpSpliced(obj, *crd);  // CRDs are typed and single-version
  std::string wire = WireDump(obj);
  const Json* kind = Child(obj, "kind");
  const Json* version = Child(obj, "apiVersion");
  if (omit_type_meta && kind && version) {
    // Typed objects are canonical (kind, apiVersion first): cut the prefix.
    std::string prefix = "{\"kind\":" + WireDump(*kind) + ",\"apiVersion\":" + WireDump(*version);
    if (wire.compare(0, prefix.size(), prefix) == 0) {
      size_t rest = prefix.size();
      if (rest < wire.size() && wire[rest] == ',') ++rest;
      return "{" + wire.substr(rest);
    }
    Json copy = obj;
    copy.erase("kind");
    copy.erase("apiVersion");
    return WireDump(copy);
  }
  if (!api_version.empty() && version && version->is_string() && version->get<std::string>() != api_version) {
    // Unstructured objects have sorted keys: apiVersion comes first.
    std::string prefix = "{\"apiVersion\":" + WireDump(*version);
    if (wire.compare(0, prefix.size(), prefix) == 0) {
      return "{\"apiVersion\":" + WireDump(Json(api_version)) + wire.substr(prefix.size());
    }
    Json copy = obj;
    copy["apiVersion"] = api_version;
    return WireDump(copy);
  }
  return wire;
}

size_t StoredObject::ApproximateBytes() const {
  // The control block of make_shared plus the tree; a shared CRD spec is
  // not this cluster's memory.
  return object ? sizeof(Json) + 16 + ApproximateJsonBytes(*object) : 0;
}

StoredObject MakeStored(Json object, std::shared_ptr<const CrdDefinition> crd) {
  StoredObject s;
  if (crd) object.erase("spec");
  s.object = std::make_shared<const Json>(std::move(object));
  s.crd = std::move(crd);
  return s;
}

ObjectKey KeyFor(TypeId type, const std::string& ns, const std::string& name) {
  return ObjectKey{type, ns.empty() ? name : ns + "/" + name};
}

const StoredObject* ObjectStore::Get(const ObjectKey& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

namespace {

template <typename F>
void ForEachOwnerUid(const Json& object, F&& f) {
  const Json* meta = Meta(object);
  const Json* refs = meta ? Child(*meta, "ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) return;
  for (const auto& ref : *refs) {
    std::string uid = ChildString(ref, "uid");
    if (!uid.empty()) f(uid);
  }
}

}  // namespace

void ObjectStore::Index(const ObjectKey& key, const Json& object) {
  std::string uid = MetaString(object, "uid");
  if (!uid.empty()) by_uid_[uid] = key;
  ForEachOwnerUid(object, [&](const std::string& owner) { by_owner_[owner].insert(key); });
}

void ObjectStore::Unindex(const ObjectKey& key, const Json& object) {
  std::string uid = MetaString(object, "uid");
  if (auto it = by_uid_.find(uid); it != by_uid_.end() && it->second == key) by_uid_.erase(it);
  ForEachOwnerUid(object, [&](const std::string& owner) {
    auto it = by_owner_.find(owner);
    if (it == by_owner_.end()) return;
    it->second.erase(key);
    if (it->second.empty()) by_owner_.erase(it);
  });
}

void ObjectStore::Put(const ObjectKey& key, StoredObject object) {
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    Unindex(key, it->second.view());
    Index(key, object.view());
    it->second = std::move(object);
    return;
  }
  Index(key, object.view());
  objects_.emplace(key, std::move(object));
}

void ObjectStore::Erase(const ObjectKey& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  Unindex(key, it->second.view());
  objects_.erase(it);
}

const ObjectKey* ObjectStore::FindUid(const std::string& uid) const {
  auto it = by_uid_.find(uid);
  return it == by_uid_.end() ? nullptr : &it->second;
}

std::vector<ObjectKey> ObjectStore::DependentsOf(const std::string& owner_uid) const {
  auto it = by_owner_.find(owner_uid);
  if (it == by_owner_.end()) return {};
  return std::vector<ObjectKey>(it->second.begin(), it->second.end());
}

void ObjectStore::Scan(TypeId type, const std::string& ns, const std::string& after,
                       const std::function<bool(const ObjectKey&, const StoredObject&)>& visit) const {
  std::string prefix = ns.empty() ? "" : ns + "/";
  ObjectKey start{type, after.empty() ? prefix : after};
  auto it = after.empty() ? objects_.lower_bound(start) : objects_.upper_bound(start);
  for (; it != objects_.end() && it->first.type == type; ++it) {
    if (!prefix.empty() && it->first.path.compare(0, prefix.size(), prefix) != 0) break;
    if (!visit(it->first, it->second)) break;
  }
}

void ObjectStore::ForEach(const std::function<void(const ObjectKey&, const StoredObject&)>& visit) const {
  for (const auto& [key, obj] : objects_) visit(key, obj);
}

size_t ObjectStore::ApproximateBytes() const {
  // Index entries: a uid string and a key each, plus owner sets.
  size_t bytes = by_uid_.capacity() * (sizeof(std::string) + sizeof(ObjectKey) + 1) + by_uid_.size() * 80;
  for (const auto& [owner, keys] : by_owner_) bytes += 96 + keys.size() * (sizeof(ObjectKey) + 32);
  for (const auto& [key, obj] : objects_) {
    // btree slot + key string + object.
    bytes += sizeof(ObjectKey) + sizeof(StoredObject) + (key.path.capacity() > 15 ? key.path.capacity() + 1 : 0) +
             obj.ApproximateBytes();
  }
  return bytes;
}

}  // namespace srfleet::kubesim
