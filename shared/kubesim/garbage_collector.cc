#include "shared/kubesim/garbage_collector.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/object_meta.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

constexpr char kForegroundFinalizer[] = "foregroundDeletion";

bool IsNamespaceType(const ResourceType* t) { return t && t->group.empty() && t->resource == "namespaces"; }

std::string NamespaceOf(const ObjectKey& key) {
  auto slash = key.path.find('/');
  return slash == std::string::npos ? "" : key.path.substr(0, slash);
}

// Marks the object as being deleted (once) and optionally adds a finalizer.
StoredObject MarkDeleting(ClusterCore& core, const ObjectKey& key, const std::string& add_finalizer)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const StoredObject* live = core.store.Get(key);
  Json obj = live->Materialize();
  Json& meta = MutableMeta(obj);
  if (ChildString(meta, "deletionTimestamp").empty()) {
    meta["deletionTimestamp"] = core.Now();
    meta["deletionGracePeriodSeconds"] = 0;
  }
  if (!add_finalizer.empty()) {
    auto f = FinalizersOf(obj);
    if (std::find(f.begin(), f.end(), add_finalizer) == f.end()) f.push_back(add_finalizer);
    SetFinalizers(obj, f);
  }
  return core.CommitPut(key.type, std::move(obj), live->crd);
}

struct Dependent {
  ObjectKey key;
  bool blocks_owner = false;
};

std::vector<Dependent> DependentsOf(ClusterCore& core, const std::string& uid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  std::vector<Dependent> out;
  if (uid.empty()) return out;
  for (const ObjectKey& key : core.store.DependentsOf(uid)) {
    const StoredObject* obj = core.store.Get(key);
    const Json* meta = obj ? Meta(obj->view()) : nullptr;
    const Json* refs = meta ? Child(*meta, "ownerReferences") : nullptr;
    if (!refs || !refs->is_array()) continue;
    for (const auto& ref : *refs) {
      if (ChildString(ref, "uid") != uid) continue;
      const Json* block = Child(ref, "blockOwnerDeletion");
      out.push_back({key, block && block->is_boolean() && block->get<bool>()});
      break;
    }
  }
  return out;
}

bool UidExists(ClusterCore& core, const std::string& uid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  return core.store.FindUid(uid) != nullptr;
}

const StoredObject* FindByUid(ClusterCore& core, const std::string& uid, ObjectKey* key)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const ObjectKey* found = core.store.FindUid(uid);
  if (!found) return nullptr;
  *key = *found;
  return core.store.Get(*found);
}

// Drops the owner reference to `owner_uid` (what the garbage collector and
// orphaning do to dependents).
void RemoveOwnerReference(ClusterCore& core, const ObjectKey& key, const std::string& owner_uid)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const StoredObject* live = core.store.Get(key);
  if (!live) return;
  Json obj = live->Materialize();
  Json& meta = MutableMeta(obj);
  Json* refs = MutableChild(meta, "ownerReferences");
  if (!refs || !refs->is_array()) return;
  Json kept = Json::array();
  for (auto& ref : *refs) {
    if (ChildString(ref, "uid") != owner_uid) kept.push_back(ref);
  }
  if (kept.empty()) {
    meta.erase("ownerReferences");
  } else {
    meta["ownerReferences"] = std::move(kept);
  }
  core.CommitPut(key.type, std::move(obj), live->crd);
}

// Removes a finalizer; the object goes when none is left and it is deleting.
void RemoveFinalizer(ClusterCore& core, const ObjectKey& key, const std::string& finalizer)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const StoredObject* live = core.store.Get(key);
  if (!live) return;
  auto f = FinalizersOf(live->view());
  auto it = std::find(f.begin(), f.end(), finalizer);
  if (it == f.end()) return;
  f.erase(it);
  if (f.empty() && !MetaString(live->view(), "deletionTimestamp").empty()) {
    core.CommitDelete(key);
    return;
  }
  Json obj = live->Materialize();
  SetFinalizers(obj, f);
  core.CommitPut(key.type, std::move(obj), live->crd);
}

void MaybeFinishForeground(ClusterCore& core, const ObjectKey& owner_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const StoredObject* owner = core.store.Get(owner_key);
  if (!owner || MetaString(owner->view(), "deletionTimestamp").empty()) return;
  auto f = FinalizersOf(owner->view());
  if (std::find(f.begin(), f.end(), kForegroundFinalizer) == f.end()) return;
  for (const auto& d : DependentsOf(core, MetaString(owner->view(), "uid"))) {
    if (d.blocks_owner) return;
  }
  RemoveFinalizer(core, owner_key, kForegroundFinalizer);
}

void MaybeFinalizeNamespace(ClusterCore& core, const std::string& ns) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  auto ns_type = core.registry.IdOf("", "namespaces");
  if (!ns_type || ns.empty()) return;
  ObjectKey ns_key = KeyFor(*ns_type, "", ns);
  const StoredObject* ns_obj = core.store.Get(ns_key);
  if (!ns_obj || MetaString(ns_obj->view(), "deletionTimestamp").empty()) return;
  // One range probe per namespaced type, not a scan of every object.
  bool empty = true;
  for (TypeId id = 0; id < core.registry.IdLimit(); ++id) {
    const ResourceType* t = core.registry.Get(id);
    if (t && !t->namespaced) continue;
    core.store.Scan(id, ns, "", [&](const ObjectKey&, const StoredObject&) {
      empty = false;
      return false;
    });
    if (!empty) break;
  }
  if (empty && FinalizersOf(ns_obj->view()).empty()) core.CommitDelete(ns_key);
}

absl::StatusOr<DeleteOutcome> DeleteNamespace(ClusterCore& core, const ObjectKey& key, const StoredObject& live)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const std::string name = key.path;
  const ResourceType* t = core.registry.Get(key.type);
  if (name == "default" || name == "kube-system" || name == "kube-public") {
    return ForbiddenError(*t, name, "this namespace may not be deleted");
  }
  DeleteOutcome out;
  if (MetaString(live.view(), "deletionTimestamp").empty()) {
    Json obj = live.Materialize();
    Json& meta = MutableMeta(obj);
    meta["deletionTimestamp"] = core.Now();
    meta["deletionGracePeriodSeconds"] = 0;
    EnsureObject(obj, "status")["phase"] = "Terminating";
    out.object = core.CommitPut(key.type, std::move(obj));
  } else {
    out.object = live;
  }
  // The namespace controller: delete everything inside, then the namespace.
  std::vector<ObjectKey> contents;
  core.store.ForEach([&](const ObjectKey& k, const StoredObject&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
    const ResourceType* ct = core.registry.Get(k.type);
    if (ct && ct->namespaced && NamespaceOf(k) == name) contents.push_back(k);
  });
  for (const auto& k : contents) {
    if (core.store.Get(k)) {
      auto st = DeleteObject(core, k, DeleteOptions{});
      (void)st;
    }
  }
  MaybeFinalizeNamespace(core, name);
  out.removed = core.store.Get(key) == nullptr;
  return out;
}

}  // namespace

absl::StatusOr<DeleteOutcome> DeleteObject(ClusterCore& core, const ObjectKey& key, const DeleteOptions& options) {
  const StoredObject* found = core.store.Get(key);
  const ResourceType* t = core.registry.Get(key.type);
  if (!found || !t) return absl::NotFoundError("object not found");
  const StoredObject live = *found;
  const std::string name = MetaString(live.view(), "name");
  const std::string uid = MetaString(live.view(), "uid");
  if (!options.precondition_uid.empty() && options.precondition_uid != uid) {
    return ConflictError(*t, name,
                         absl::StrCat("Precondition failed: UID in precondition: ", options.precondition_uid,
                                      ", UID in object meta: ", uid));
  }
  const std::string rv = MetaString(live.view(), "resourceVersion");
  if (!options.precondition_resource_version.empty() && options.precondition_resource_version != rv) {
    return ConflictError(*t, name,
                         absl::StrCat("Precondition failed: ResourceVersion in precondition: ",
                                      options.precondition_resource_version, ", ResourceVersion in object meta: ", rv));
  }
  DeleteOutcome out;
  if (options.dry_run) {
    out.object = live;
    return out;
  }
  if (IsNamespaceType(t)) return DeleteNamespace(core, key, live);
  if (!MetaString(live.view(), "deletionTimestamp").empty()) {
    out.object = live;  // already terminating: nothing more to do
    return out;
  }
  switch (options.propagation) {
    case Propagation::kOrphan:
      for (const auto& d : DependentsOf(core, uid)) RemoveOwnerReference(core, d.key, uid);
      break;
    case Propagation::kForeground: {
      auto dependents = DependentsOf(core, uid);
      out.object = MarkDeleting(core, key, kForegroundFinalizer);
      for (const auto& d : dependents) {
        if (core.store.Get(d.key)) {
          auto st = DeleteObject(core, d.key, DeleteOptions{Propagation::kForeground, "", "", false});
          (void)st;
        }
      }
      MaybeFinishForeground(core, key);
      out.removed = core.store.Get(key) == nullptr;
      return out;
    }
    case Propagation::kBackground:
      break;
  }
  if (!FinalizersOf(live.view()).empty()) {
    out.object = MarkDeleting(core, key, "");
    return out;
  }
  out.object = core.CommitDelete(key);
  out.removed = true;
  return out;
}

void OnRemoved(ClusterCore& core, const PendingChange& change) {
  const Json& removed = change.object.view();
  const std::string uid = MetaString(removed, "uid");
  // Dependents: collected unless another owner still exists.
  for (const auto& d : DependentsOf(core, uid)) {
    const StoredObject* dep = core.store.Get(d.key);
    if (!dep) continue;
    bool other_owner = false;
    const Json* meta = Meta(dep->view());
    const Json* refs = meta ? Child(*meta, "ownerReferences") : nullptr;
    if (refs && refs->is_array()) {
      for (const auto& ref : *refs) {
        std::string other = ChildString(ref, "uid");
        if (other != uid && UidExists(core, other)) other_owner = true;
      }
    }
    if (other_owner) {
      RemoveOwnerReference(core, d.key, uid);
    } else {
      auto st = DeleteObject(core, d.key, DeleteOptions{});
      (void)st;
    }
  }
  // Owners waiting for this dependent in foreground deletion.
  const Json* meta = Meta(removed);
  const Json* refs = meta ? Child(*meta, "ownerReferences") : nullptr;
  if (refs && refs->is_array()) {
    for (const auto& ref : *refs) {
      ObjectKey owner_key;
      if (FindByUid(core, ChildString(ref, "uid"), &owner_key)) MaybeFinishForeground(core, owner_key);
    }
  }
  // A removed CRD takes its custom resources and its type along.
  if (change.object.crd) {
    const ResourceType& ct = change.object.crd->type;
    if (auto id = core.registry.IdOf(ct.group, ct.resource)) {
      std::vector<ObjectKey> instances;
      core.store.Scan(*id, "", "", [&](const ObjectKey& k, const StoredObject&) {
        instances.push_back(k);
        return true;
      });
      for (const auto& k : instances) core.CommitDelete(k);
      core.registry.RemoveCustom(ct.group, ct.resource);
    }
  }
  MaybeFinalizeNamespace(core, NamespaceOf(change.key));
}

}  // namespace srfleet::kubesim
