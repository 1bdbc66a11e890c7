#include "shared/kubesim/discovery.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "shared/kubesim/sha256.h"

namespace srfleet::kubesim {
namespace {

// The order kube-apiserver lists its built-in groups in.
constexpr const char* kBuiltinGroupOrder[] = {
    "apiregistration.k8s.io", "apps",   "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
    "autoscaling",            "batch",  "certificates.k8s.io", "networking.k8s.io", "policy",
    "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
    "scheduling.k8s.io",      "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io"};

struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;  // preferred first
};

void AddVersions(std::vector<GroupVersions>& groups, const ResourceType& t) {
  auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupVersions& g) { return g.group == t.group; });
  if (it == groups.end()) {
    groups.push_back({t.group, {}});
    it = groups.end() - 1;
  }
  for (const auto& v : t.versions) {
    if (std::find(it->versions.begin(), it->versions.end(), v) == it->versions.end()) it->versions.push_back(v);
  }
}

// Groups in the real server's order: built-ins by its table, then custom
// groups as they were installed.
std::vector<GroupVersions> ServedGroups(const ResourceRegistry& registry) {
  std::vector<GroupVersions> builtin, custom;
  auto custom_ids = registry.CustomIds();
  for (TypeId id : registry.ServedIds()) {
    const ResourceType* t = registry.Get(id);
    if (!t || t->group.empty()) continue;
    if (std::find(custom_ids.begin(), custom_ids.end(), id) == custom_ids.end()) AddVersions(builtin, *t);
  }
  for (TypeId id : custom_ids) {
    if (const ResourceType* t = registry.Get(id)) AddVersions(custom, *t);
  }
  auto rank = [](const std::string& g) {
    auto* end = std::end(kBuiltinGroupOrder);
    return std::find(std::begin(kBuiltinGroupOrder), end, g) - std::begin(kBuiltinGroupOrder);
  };
  std::stable_sort(builtin.begin(), builtin.end(),
                   [&](const GroupVersions& a, const GroupVersions& b) { return rank(a.group) < rank(b.group); });
  // A custom group that is also built-in (never in practice) stays built-in.
  for (auto& g : custom) {
    auto it = std::find_if(builtin.begin(), builtin.end(), [&](const GroupVersions& b) { return b.group == g.group; });
    if (it == builtin.end()) builtin.push_back(std::move(g));
  }
  return builtin;
}

Json GroupEntry(const GroupVersions& g) {
  Json versions = Json::array();
  for (const auto& v : g.versions) versions.push_back(Json{{"groupVersion", g.group + "/" + v}, {"version", v}});
  Json entry = Json::object();
  entry["name"] = g.group;
  entry["versions"] = std::move(versions);
  entry["preferredVersion"] = Json{{"groupVersion", g.group + "/" + g.versions.front()}, {"version", g.versions.front()}};
  return entry;
}

std::vector<std::string> Verbs(const ResourceType& t) {
  std::vector<std::string> v = {"create", "delete"};
  if (t.deletecollection) v.push_back("deletecollection");
  for (const char* s : {"get", "list", "patch", "update", "watch"}) v.push_back(s);
  return v;
}

}  // namespace

Json CoreVersionsDocument() {
  Json doc = Json::object();
  doc["kind"] = "APIVersions";
  doc["versions"] = Json::array({"v1"});
  doc["serverAddressByClientCIDRs"] =
      Json::array({Json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:6443"}}});
  return doc;
}

Json GroupListDocument(const ResourceRegistry& registry) {
  Json groups = Json::array();
  for (const auto& g : ServedGroups(registry)) groups.push_back(GroupEntry(g));
  Json doc = Json::object();
  doc["kind"] = "APIGroupList";
  doc["apiVersion"] = "v1";
  doc["groups"] = std::move(groups);
  return doc;
}

std::optional<Json> GroupDocument(const ResourceRegistry& registry, const std::string& group) {
  for (const auto& g : ServedGroups(registry)) {
    if (g.group != group) continue;
    Json doc = Json::object();
    doc["kind"] = "APIGroup";
    doc["apiVersion"] = "v1";
    Json entry = GroupEntry(g);
    doc["name"] = entry["name"];
    doc["versions"] = entry["versions"];
    doc["preferredVersion"] = entry["preferredVersion"];
    return doc;
  }
  return std::nullopt;
}

std::optional<Json> ResourceListDocument(const ResourceRegistry& registry, const std::string& group,
                                         const std::string& version) {
  std::vector<const ResourceType*> types;
  for (TypeId id : registry.ServedIds()) {
    const ResourceType* t = registry.Get(id);
    if (t && t->group == group && t->Serves(version)) types.push_back(t);
  }
  if (types.empty()) return std::nullopt;
  std::sort(types.begin(), types.end(),
            [](const ResourceType* a, const ResourceType* b) { return a->resource < b->resource; });
  Json resources = Json::array();
  for (const ResourceType* t : types) {
    Json r = Json::object();
    r["name"] = t->resource;
    r["singularName"] = t->singular;
    r["namespaced"] = t->namespaced;
    r["kind"] = t->kind;
    r["verbs"] = Verbs(*t);
    if (!t->short_names.empty()) r["shortNames"] = t->short_names;
    if (!t->categories.empty()) r["categories"] = t->categories;
    r["storageVersionHash"] = StorageVersionHash(t->group, t->storage_version, t->kind);
    resources.push_back(std::move(r));
    if (t->status_subresource) {
      Json s = Json::object();
      s["name"] = t->resource + "/status";
      s["singularName"] = t->singular;
      s["namespaced"] = t->namespaced;
      s["kind"] = t->kind;
      s["verbs"] = Json::array({"get", "patch", "update"});
      resources.push_back(std::move(s));
    }
  }
  Json doc = Json::object();
  doc["kind"] = "APIResourceList";
  // The core list carries no apiVersion, the group lists do (as captured).
  if (!group.empty()) doc["apiVersion"] = "v1";
  doc["groupVersion"] = group.empty() ? version : group + "/" + version;
  doc["resources"] = std::move(resources);
  return doc;
}

Json VersionDocument(const std::string& git_version) {
  std::string v = git_version;
  if (!v.empty() && v[0] == 'v') v = v.substr(1);
  std::vector<std::string> parts = absl::StrSplit(v, absl::MaxSplits('.', 2));
  Json doc = Json::object();
  doc["major"] = parts.size() > 0 ? parts[0] : "";
  doc["minor"] = parts.size() > 1 ? parts[1] : "";
  doc["gitVersion"] = git_version;
  doc["gitCommit"] = "0000000000000000000000000000000000000000";
  doc["gitTreeState"] = "clean";
  doc["buildDate"] = "2024-06-11T20:20:18Z";
  doc["goVersion"] = "go1.22.4";
  doc["compiler"] = "gc";
  doc["platform"] = "linux/amd64";
  return doc;
}

}  // namespace srfleet::kubesim
