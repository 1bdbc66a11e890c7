#include "shared/kubesim/cluster_core.h"

#include <functional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "shared/kubesim/builtin_defaults.h"
#include "shared/kubesim/field_manager.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/object_meta.h"

namespace srfleet::kubesim {

ClusterCore::ClusterCore(ClusterOptions opts)
    : options(std::move(opts)), cache(options.watch_cache_events) {
  rng = options.seed ^ std::hash<std::string>{}(options.name);
  registry.SetAddOns(options.openshift, options.gateway_api, options.kserve);
}

std::chrono::system_clock::time_point ClusterCore::NowTime() const {
  return options.clock ? options.clock() : std::chrono::system_clock::now();
}

std::string ClusterCore::Now() const { return FormatRfc3339(NowTime()); }

std::string ClusterCore::NewUid() { return NextUid(rng); }

std::string ClusterCore::AllocateClusterIp() {
  // 10.96.0.0/12, skipping .0 and the kubernetes service at .1.
  uint32_t n = next_service_ip++;
  return absl::StrCat("10.96.", (n >> 8) & 0xff, ".", n & 0xff);
}

int ClusterCore::AllocateNodePort() {
  int port = next_node_port++;
  if (next_node_port > 32767) next_node_port = 30000;
  return port;
}

std::string ClusterCore::DefaultStorageClass() const {
  auto id = registry.IdOf("storage.k8s.io", "storageclasses");
  if (!id) return "";
  std::string found;
  store.Scan(*id, "", "", [&](const ObjectKey&, const StoredObject& obj) {
    const Json* meta = Meta(obj.view());
    const Json* ann = meta ? Child(*meta, "annotations") : nullptr;
    if (ann && ChildString(*ann, "storageclass.kubernetes.io/is-default-class") == "true") {
      found = MetaString(obj.view(), "name");
      return false;
    }
    return true;
  });
  return found;
}

const StoredObject* ClusterCore::Find(TypeId type, const std::string& ns, const std::string& name) const {
  return store.Get(KeyFor(type, ns, name));
}

bool ClusterCore::NamespaceExists(const std::string& name) const {
  auto id = registry.IdOf("", "namespaces");
  return id && Find(*id, "", name) != nullptr;
}

bool ClusterCore::NamespaceTerminating(const std::string& name) const {
  auto id = registry.IdOf("", "namespaces");
  const StoredObject* ns = id ? Find(*id, "", name) : nullptr;
  return ns && !MetaString(ns->view(), "deletionTimestamp").empty();
}

StoredObject ClusterCore::CommitPut(TypeId type, Json object, std::shared_ptr<const CrdDefinition> crd) {
  const ResourceType* t = registry.Get(type);
  MutableMeta(object)["resourceVersion"] = std::to_string(++resource_version);
  Canonicalize(object, t && t->unstructured);
  ObjectKey key = KeyFor(type, t && t->namespaced ? MetaString(object, "namespace") : "",
                         MetaString(object, "name"));
  StoredObject stored = MakeStored(std::move(object), std::move(crd));
  ChangeEvent event;
  event.resource_version = resource_version;
  event.key = key;
  event.object = stored;
  if (const StoredObject* previous = store.Get(key)) {
    event.type = EventType::kModified;
    event.previous = *previous;
  } else {
    event.type = EventType::kAdded;
  }
  store.Put(key, stored);
  pending.push_back({key, event.type, stored});
  watches.Dispatch(event, options.bookmark_every);
  cache.Add(std::move(event));
  return stored;
}

StoredObject ClusterCore::CommitDelete(const ObjectKey& key) {
  const StoredObject* current = store.Get(key);
  if (!current) return StoredObject();
  StoredObject previous = *current;
  Json last = *previous.object;  // spec stays shared for CRD objects
  MutableMeta(last)["resourceVersion"] = std::to_string(++resource_version);
  StoredObject final_state;
  final_state.object = std::make_shared<const Json>(std::move(last));
  final_state.crd = previous.crd;
  store.Erase(key);
  ChangeEvent event;
  event.resource_version = resource_version;
  event.type = EventType::kDeleted;
  event.key = key;
  event.object = final_state;
  event.previous = previous;
  pending.push_back({key, EventType::kDeleted, final_state});
  watches.Dispatch(event, options.bookmark_every);
  cache.Add(std::move(event));
  return final_state;
}

void ClusterCore::ResetObjects() {
  store.Clear();
  cache.Reset(resource_version);
  pending.clear();
  registry = ResourceRegistry();
  registry.SetAddOns(options.openshift, options.gateway_api, options.kserve);
}

void ClusterCore::Bootstrap() {
  const std::string now = Now();
  auto create = [&](const char* group, const char* resource, Json object) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto id = registry.IdOf(group, resource);
    if (!id) return;
    const ResourceType* t = registry.Get(*id);
    object["kind"] = t->kind;
    object["apiVersion"] = t->StorageApiVersion();
    DefaultingContext ctx;
    ApplyBuiltinDefaults(*t, object, ctx);
    Json& meta = MutableMeta(object);
    meta["uid"] = NewUid();
    meta["creationTimestamp"] = now;
    Json status = InitialStatus(*t);
    if (!status.is_null()) object["status"] = status;
    object = RecordUpdate(nullptr, object, "kube-apiserver", now, nullptr);
    CommitPut(*id, std::move(object));
  };
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    create("", "namespaces", Json{{"metadata", Json{{"name", ns}}}});
  }
  Json sc = Json::object();
  sc["metadata"] = Json{{"name", "standard"},
                        {"annotations", Json{{"storageclass.kubernetes.io/is-default-class", "true"}}}};
  sc["provisioner"] = "rancher.io/local-path";
  sc["reclaimPolicy"] = "Delete";
  sc["volumeBindingMode"] = "WaitForFirstConsumer";
  create("storage.k8s.io", "storageclasses", std::move(sc));
  pending.clear();  // nothing for controllers to do
}

size_t ClusterCore::ApproximateBytes() const {
  size_t bytes = sizeof(ClusterCore) + registry.ApproximateBytes() + watches.ApproximateBytes() +
                 cache.ApproximateBytes() + store.ApproximateBytes();
  // Versions only the watch cache still holds (older or deleted ones);
  // versions also in the store were counted above.
  absl::flat_hash_set<const Json*> counted;
  store.ForEach([&](const ObjectKey&, const StoredObject& o) { counted.insert(o.object.get()); });
  cache.ForEach([&](const ChangeEvent& e) {
    for (const StoredObject* o : {&e.object, &e.previous}) {
      if (*o && counted.insert(o->object.get()).second) bytes += o->ApproximateBytes();
    }
  });
  for (const auto& [verb, n] : counters.by_verb) bytes += 48 + verb.capacity();
  for (const auto& [key, n] : counters.by_verb_resource) bytes += 48 + key.capacity();
  return bytes;
}

}  // namespace srfleet::kubesim
