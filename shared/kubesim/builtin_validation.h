// Validation the real server runs on its own (not schema-driven): object
// metadata for every type, and the rules of the built-in types clients hit
// most (Service ports, Deployment selector/template, HPA bounds, ...), with
// the same field paths and messages.
#pragma once

#include <string>
#include <vector>

#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {

// metadata.name/generateName/labels/annotations/finalizers/ownerReferences.
std::vector<FieldProblem> ValidateObjectMeta(const ResourceType& type, const Json& object);

// Type-specific rules; `old_object` is set on update (immutable fields).
std::vector<FieldProblem> ValidateBuiltin(const ResourceType& type, const Json& object, const Json* old_object);

// Fields a request sets that the type does not have: top-level fields of
// the built-in types (their nested fields are not known to kubesim) and
// metadata fields of every type. Paths like "spec" or "metadata.foo".
std::vector<std::string> UnknownTopLevelFields(const ResourceType& type, const Json& object);

// Drops what UnknownTopLevelFields reports (the API server's pruning).
void PruneUnknownTopLevelFields(const ResourceType& type, Json& object);

// Name rules by resource: RFC 1123 label (namespaces), RFC 1035 label
// (services), RFC 1123 subdomain (everything else). Returns messages.
std::vector<std::string> ValidateResourceName(const ResourceType& type, const std::string& name);

}  // namespace srfleet::kubesim
