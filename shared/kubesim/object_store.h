// Current objects of one cluster, ordered like etcd keys so lists come out in
// the real server's order (by namespace/name within a resource).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {

// One immutable object version. Shared between the store, the watch cache
// and in-flight responses, so each version exists once in memory.
struct StoredObject {
  // The object. For CustomResourceDefinition objects `spec` is left out and
  // `crd` holds it, shared with every cluster that installed the same CRD.
  std::shared_ptr<const Json> object;
  std::shared_ptr<const CrdDefinition> crd;

  explicit operator bool() const { return object != nullptr; }
  const Json& view() const { return *object; }  // metadata, status, ...
  Json Materialize() const;                      // the full object
  // Wire JSON. `api_version`: answer in another served version (custom
  // types); `omit_type_meta`: drop kind/apiVersion (typed list items).
  std::string Serialize(const std::string& api_version = "", bool omit_type_meta = false) const;
  size_t ApproximateBytes() const;
};

StoredObject MakeStored(Json object, std::shared_ptr<const CrdDefinition> crd = nullptr);

struct ObjectKey {
  TypeId type = 0;
  // "namespace/name" for namespaced objects, "name" otherwise: the tail of the
  // etcd key, whose byte order the real server lists in.
  std::string path;
  bool operator<(const ObjectKey& o) const { return type != o.type ? type < o.type : path < o.path; }
  bool operator==(const ObjectKey& o) const { return type == o.type && path == o.path; }
};

ObjectKey KeyFor(TypeId type, const std::string& ns, const std::string& name);

class ObjectStore {
 public:
  const StoredObject* Get(const ObjectKey& key) const;
  void Put(const ObjectKey& key, StoredObject object);
  void Erase(const ObjectKey& key);
  void Clear() {
    objects_.clear();
    by_uid_.clear();
    by_owner_.clear();
  }
  size_t size() const { return objects_.size(); }

  // Visits objects of `type` (in namespace `ns` unless empty) whose path
  // sorts after `after`, in key order, until `visit` returns false.
  void Scan(TypeId type, const std::string& ns, const std::string& after,
            const std::function<bool(const ObjectKey&, const StoredObject&)>& visit) const;
  // Every object, any type.
  void ForEach(const std::function<void(const ObjectKey&, const StoredObject&)>& visit) const;

  // Indexes the garbage collector needs, kept up to date by Put/Erase so
  // cascades stay linear in the number of objects they touch.
  const ObjectKey* FindUid(const std::string& uid) const;
  // Objects whose metadata.ownerReferences name `owner_uid`.
  std::vector<ObjectKey> DependentsOf(const std::string& owner_uid) const;

  size_t ApproximateBytes() const;

 private:
  void Index(const ObjectKey& key, const Json& object);
  void Unindex(const ObjectKey& key, const Json& object);

  absl::btree_map<ObjectKey, StoredObject> objects_;
  absl::flat_hash_map<std::string, ObjectKey> by_uid_;
  absl::flat_hash_map<std::string, absl::btree_set<ObjectKey>> by_owner_;
};

}  // namespace srfleet::kubesim
