// The `paths` of an OpenAPI v3 group-version document, shaped like
// kube-apiserver's: one path item per URL (collection, item, status, and for
// built-in types the deprecated /watch/ paths), each operation with its
// parameters, request body, responses, `x-kubernetes-action` and
// `x-kubernetes-group-version-kind`. Only what kubesim serves is listed.
#pragma once

#include <string>

#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {

struct OpenApiKind {
  const ResourceType* type = nullptr;
  std::string version;
  std::string schema_name;       // components.schemas key of the kind
  std::string list_schema_name;  // ... and of its list
};

// Adds every path of one resource to `paths` (an object).
void AddResourcePaths(const OpenApiKind& kind, Json& paths);

// "/apis/apps/v1/" -> GET APIResourceList, as built-in groups publish it.
Json ApiResourcesPathItem(const std::string& group, const std::string& version);

// kube-openapi's operation-id spelling of a group ("networking.k8s.io" ->
// "Networking", "" -> "Core", "vllm.ai" -> "VllmAi") and of a version.
std::string OperationIdWord(const std::string& s, bool capitalize_first);
std::string GroupWord(const std::string& group);

}  // namespace srfleet::kubesim
