// Discovery documents shaped like kube-apiserver 1.26's (reference
// k8s-discovery/*.json): APIVersions, APIGroupList, APIGroup,
// APIResourceList, and /version.
#pragma once

#include <optional>
#include <string>

#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {

Json CoreVersionsDocument();                                      // GET /api
Json GroupListDocument(const ResourceRegistry& registry);         // GET /apis
std::optional<Json> GroupDocument(const ResourceRegistry& registry, const std::string& group);  // /apis/<g>
// GET /api/v1 (group "") or /apis/<g>/<v>; nullopt when not served.
std::optional<Json> ResourceListDocument(const ResourceRegistry& registry, const std::string& group,
                                         const std::string& version);
Json VersionDocument(const std::string& git_version);             // GET /version

}  // namespace srfleet::kubesim
