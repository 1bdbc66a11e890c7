// KubeClient discovery: /version, /api, /apis, /api(s)/<group-version>.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/kube/kube_client_impl.h"
#include "shared/kube/url.h"

namespace srfleet::kube {
namespace {

std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> Strings(const Json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

absl::StatusOr<ServerVersionInfo> KubeClient::ServerVersion() {
  absl::StatusOr<Json> body = GetPath("/version");
  if (!body.ok()) return body.status();
  return ServerVersionInfo{Str(*body, "major"), Str(*body, "minor"), Str(*body, "gitVersion"),
                           Str(*body, "platform")};
}

absl::StatusOr<std::vector<ApiGroupInfo>> KubeClient::ServerGroups() {
  std::vector<ApiGroupInfo> groups;
  absl::StatusOr<Json> core = GetPath("/api");
  if (!core.ok()) return core.status();
  ApiGroupInfo core_group;
  core_group.versions = Strings(*core, "versions");
  if (!core_group.versions.empty()) core_group.preferred_version = core_group.versions.front();
  groups.push_back(std::move(core_group));

  absl::StatusOr<Json> apis = GetPath("/apis");
  if (!apis.ok()) return apis.status();
  if (auto list = apis->find("groups"); list != apis->end() && list->is_array()) {
    for (const Json& g : *list) {
      ApiGroupInfo info;
      info.name = Str(g, "name");
      if (auto versions = g.find("versions"); versions != g.end() && versions->is_array()) {
        for (const Json& v : *versions) info.versions.push_back(Str(v, "version"));
      }
      if (auto preferred = g.find("preferredVersion"); preferred != g.end()) {
        info.preferred_version = Str(*preferred, "version");
      }
      groups.push_back(std::move(info));
    }
  }
  return groups;
}

absl::StatusOr<std::vector<ApiResourceInfo>> KubeClient::ServerResources(const std::string& group_version) {
  if (group_version.empty()) return absl::InvalidArgumentError("ServerResources: empty group version");
  const bool core = group_version.find('/') == std::string::npos;
  absl::StatusOr<Json> body = GetPath(absl::StrCat(core ? "/api/" : "/apis/", group_version));
  if (!body.ok()) return body.status();
  std::vector<ApiResourceInfo> resources;
  if (auto list = body->find("resources"); list != body->end() && list->is_array()) {
    for (const Json& r : *list) {
      ApiResourceInfo info;
      info.name = Str(r, "name");
      info.kind = Str(r, "kind");
      if (auto ns = r.find("namespaced"); ns != r.end() && ns->is_boolean()) info.namespaced = ns->get<bool>();
      info.verbs = Strings(r, "verbs");
      info.short_names = Strings(r, "shortNames");
      resources.push_back(std::move(info));
    }
  }
  return resources;
}

absl::StatusOr<bool> KubeClient::IsServed(const std::string& group, const std::string& version,
                                          const std::string& resource) {
  const std::string gv = group.empty() ? version : absl::StrCat(group, "/", version);
  absl::StatusOr<std::vector<ApiResourceInfo>> resources = ServerResources(gv);
  if (!resources.ok()) {
    if (kube::IsNotFound(resources.status())) return false;
    return resources.status();
  }
  for (const ApiResourceInfo& r : *resources) {
    if (r.name == resource) return true;
  }
  return false;
}

}  // namespace srfleet::kube
