// A CustomResourceDefinition compiled into a servable ResourceType. Identical
// CRD specs are compiled once per process and shared by every cluster that
// installs them (the SemanticRouter CRD is ~200 KB of schema: one copy, not
// one per simulated cluster).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"
#include "shared/kubesim/status_errors.h"
#include "shared/schema/schema_library.h"

namespace srfleet::kubesim {

struct CrdDefinition {
  std::string name;       // <plural>.<group>
  Json spec;              // the CRD's spec (server defaults applied), immutable
  std::string spec_wire;  // WireDump(spec), spliced into responses
  ResourceType type;      // `crd` left null here; see ServableType
  schema::SchemaLibrary library;  // owns the compiled schemas
};

// Validates the CRD object like the apiextensions server (name must be
// <plural>.<group>, names/scope/versions present, exactly one storage
// version, schemas compile) and returns the shared compiled definition.
// Failures are wire errors (422 Invalid).
absl::StatusOr<std::shared_ptr<const CrdDefinition>> InternCrd(const Json& crd);

// The type to register: a copy of def->type that keeps `def` (and so its
// compiled schemas) alive.
std::shared_ptr<const ResourceType> ServableType(std::shared_ptr<const CrdDefinition> def);

// The status a CRD gets once its names are accepted and it is established.
Json EstablishedCrdStatus(const CrdDefinition& def, const std::string& now);

}  // namespace srfleet::kubesim
