// Compiles OpenAPI v3 schemas (Kubernetes OpenAPI documents and CRDs) into
// SchemaNode graphs and finds the schema of a group/version/kind.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/schema/schema_node.h"

namespace srfleet::schema {

struct GroupVersionKind {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  bool operator==(const GroupVersionKind&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const GroupVersionKind& g) {
    return H::combine(std::move(h), g.group, g.version, g.kind);
  }
  // Parses "apps/v1" or "v1" plus a kind.
  static GroupVersionKind FromApiVersion(const std::string& api_version, const std::string& kind);
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

class SchemaLibrary {
 public:
  SchemaLibrary() = default;
  SchemaLibrary(const SchemaLibrary&) = delete;
  SchemaLibrary& operator=(const SchemaLibrary&) = delete;

  // Adds every `components.schemas` entry of a Kubernetes OpenAPI v3 document;
  // entries with x-kubernetes-group-version-kind become findable by GVK.
  absl::Status AddOpenApiDocument(const Json& document);

  // Adds each version of a CustomResourceDefinition (apiextensions.k8s.io/v1).
  absl::Status AddCustomResourceDefinition(const Json& crd);

  // Compiles a standalone schema (e.g. one CRD version's openAPIV3Schema).
  absl::StatusOr<const SchemaNode*> Compile(const Json& schema);

  // Not const: built-in types are compiled on first use.
  const SchemaNode* Find(const GroupVersionKind& gvk);
  const SchemaNode* FindComponent(const std::string& name);

 private:
  absl::StatusOr<SchemaNode*> CompileNode(const Json& schema, const std::string& where);
  absl::StatusOr<const SchemaNode*> ResolveRef(const std::string& ref);
  SchemaNode* NewNode();

  std::deque<SchemaNode> arena_;  // stable addresses
  absl::flat_hash_map<std::string, Json> raw_components_;
  absl::flat_hash_map<std::string, const SchemaNode*> compiled_components_;
  absl::flat_hash_map<GroupVersionKind, std::string> component_by_gvk_;
  absl::flat_hash_map<GroupVersionKind, const SchemaNode*> crd_by_gvk_;
};

}  // namespace srfleet::schema
