#include "shared/kubesim/resource_registry.h"

#include <algorithm>

#include "shared/kubesim/crd_definition.h"

namespace srfleet::kubesim {
namespace {

struct BuiltinSpec {
  const char* group;
  const char* version;
  const char* resource;
  const char* kind;
  bool namespaced;
  bool status;
  bool generation;
  bool return_deleted;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
};

std::shared_ptr<const ResourceType> MakeBuiltin(const BuiltinSpec& s) {
  auto t = std::make_shared<ResourceType>();
  t->group = s.group;
  t->versions = {s.version};
  t->storage_version = s.version;
  t->resource = s.resource;
  t->kind = s.kind;
  t->list_kind = std::string(s.kind) + "List";
  t->namespaced = s.namespaced;
  t->status_subresource = s.status;
  t->has_generation = s.generation;
  t->generation_tracks_annotations = t->resource == "deployments";
  t->return_deleted_object = s.return_deleted;
  t->deletecollection = t->resource != "namespaces";
  t->short_names = s.short_names;
  t->categories = s.categories;
  t->schemas = {nullptr};
  return t;
}

}  // namespace

bool ResourceType::Serves(const std::string& version) const {
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

const schema::SchemaNode* ResourceType::SchemaFor(const std::string& version) const {
  for (size_t i = 0; i < versions.size() && i < schemas.size(); ++i) {
    if (versions[i] == version) return schemas[i];
  }
  return nullptr;
}

const std::vector<std::shared_ptr<const ResourceType>>& BuiltinTypes() {
  static const auto* types = [] {
    // Flags follow the real registry strategies: which types keep a
    // generation, have a status subresource, and answer DELETE with the object.
    const std::vector<BuiltinSpec> specs = {
        {"", "v1", "namespaces", "Namespace", false, true, false, true, {"ns"}, {}},
        {"", "v1", "configmaps", "ConfigMap", true, false, false, false, {"cm"}, {}},
        {"", "v1", "secrets", "Secret", true, false, false, false, {}, {}},
        {"", "v1", "services", "Service", true, true, false, true, {"svc"}, {"all"}},
        {"", "v1", "serviceaccounts", "ServiceAccount", true, false, false, true, {"sa"}, {}},
        {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true, false, true, {"pvc"}, {}},
        {"", "v1", "events", "Event", true, false, false, false, {"ev"}, {}},
        {"storage.k8s.io", "v1", "storageclasses", "StorageClass", false, false, false, true, {"sc"}, {}},
        {"apps", "v1", "deployments", "Deployment", true, true, true, false, {"deploy"}, {"all"}},
        {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, true, false,
         {"hpa"}, {"all"}},
        {"networking.k8s.io", "v1", "ingresses", "Ingress", true, true, true, false, {"ing"}, {}},
        {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, true, false, {"pdb"}, {}},
        {"coordination.k8s.io", "v1", "leases", "Lease", true, false, false, false, {}, {}},
        {"apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, true,
         false, {"crd", "crds"}, {"api-extensions"}},
    };
    auto* out = new std::vector<std::shared_ptr<const ResourceType>>();
    for (const auto& s : specs) out->push_back(MakeBuiltin(s));
    return out;
  }();
  return *types;
}

ResourceRegistry::ResourceRegistry() {
  for (const auto& t : BuiltinTypes()) entries_.push_back(Entry{t, nullptr, false, 0});
  for (const auto& t : LooseAddOnTypes()) entries_.push_back(Entry{t, t, false, 0});
}

bool ResourceRegistry::AddOnOn(AddOn a) const {
  switch (a) {
    case AddOn::kNone:
      return true;
    case AddOn::kOpenShift:
      return openshift_;
    case AddOn::kGatewayApi:
      return gateway_api_;
    case AddOn::kKServe:
      return kserve_;
  }
  return false;
}

bool ResourceRegistry::IsServed(TypeId id) const {
  if (id >= entries_.size() || !entries_[id].type) return false;
  const Entry& e = entries_[id];
  // A loose stand-in is served only while its add-on is on; a real CRD always.
  if (!e.custom && e.loose) return AddOnOn(e.loose->add_on);
  return true;
}

void ResourceRegistry::SetAddOns(bool openshift, bool gateway_api, bool kserve) {
  openshift_ = openshift;
  gateway_api_ = gateway_api;
  kserve_ = kserve;
}

std::optional<ResourceRegistry::Resolved> ResourceRegistry::Find(const std::string& group, const std::string& version,
                                                                 const std::string& resource) const {
  for (TypeId id = 0; id < entries_.size(); ++id) {
    const auto& t = entries_[id].type;
    if (!t || t->group != group || t->resource != resource || !IsServed(id)) continue;
    if (!t->Serves(version)) return std::nullopt;
    return Resolved{id, t.get(), version};
  }
  return std::nullopt;
}

std::optional<ResourceRegistry::Resolved> ResourceRegistry::FindKind(const std::string& api_version,
                                                                     const std::string& kind) const {
  std::string group, version = api_version;
  if (auto slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  for (TypeId id = 0; id < entries_.size(); ++id) {
    const auto& t = entries_[id].type;
    if (t && t->group == group && t->kind == kind && t->Serves(version) && IsServed(id)) {
      return Resolved{id, t.get(), version};
    }
  }
  return std::nullopt;
}

const ResourceType* ResourceRegistry::Get(TypeId id) const {
  return id < entries_.size() ? entries_[id].type.get() : nullptr;
}

std::optional<TypeId> ResourceRegistry::IdOf(const std::string& group, const std::string& resource) const {
  for (TypeId id = 0; id < entries_.size(); ++id) {
    const auto& t = entries_[id].type;
    if (t && t->group == group && t->resource == resource) return id;
  }
  return std::nullopt;
}

std::vector<TypeId> ResourceRegistry::ServedIds() const {
  std::vector<TypeId> out;
  for (TypeId id = 0; id < entries_.size(); ++id) {
    if (IsServed(id)) out.push_back(id);
  }
  return out;
}

TypeId ResourceRegistry::InstallCustom(std::shared_ptr<const ResourceType> type) {
  for (TypeId id = 0; id < entries_.size(); ++id) {
    Entry& e = entries_[id];
    const ResourceType* existing = e.type ? e.type.get() : e.loose.get();
    if (existing && existing->group == type->group && existing->resource == type->resource) {
      if (!e.custom) e.install_seq = ++install_seq_;
      e.type = std::move(type);
      e.custom = true;
      return id;
    }
  }
  entries_.push_back(Entry{std::move(type), nullptr, true, ++install_seq_});
  return static_cast<TypeId>(entries_.size() - 1);
}

std::optional<TypeId> ResourceRegistry::RemoveCustom(const std::string& group, const std::string& resource) {
  for (TypeId id = 0; id < entries_.size(); ++id) {
    Entry& e = entries_[id];
    if (!e.custom || !e.type || e.type->group != group || e.type->resource != resource) continue;
    e.type = e.loose;  // null when there is no stand-in
    e.custom = false;
    return id;
  }
  return std::nullopt;
}

std::vector<TypeId> ResourceRegistry::CustomIds() const {
  std::vector<TypeId> out;
  for (TypeId id = 0; id < entries_.size(); ++id) {
    if (entries_[id].type && (entries_[id].custom || entries_[id].loose) && IsServed(id)) out.push_back(id);
  }
  std::stable_sort(out.begin(), out.end(), [this](TypeId a, TypeId b) {
    // Loose stand-ins (seq 0) first, then CRDs in install order.
    return entries_[a].install_seq < entries_[b].install_seq;
  });
  return out;
}

size_t ResourceRegistry::ApproximateBytes() const { return entries_.capacity() * sizeof(Entry); }

}  // namespace srfleet::kubesim
