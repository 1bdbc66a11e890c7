// The SemanticRouter CRD (crds/semanticrouters.vllm.ai.yaml, embedded at build
// time) compiled once into a schema the model validates against.
#pragma once

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/schema/schema_node.h"

namespace srfleet::model {

inline constexpr char kGroup[] = "vllm.ai";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kApiVersion[] = "vllm.ai/v1alpha1";
inline constexpr char kKind[] = "SemanticRouter";

// The CRD document itself (for installers and kubesim).
const Json& SemanticRouterCrd();

// The compiled openAPIV3Schema of the v1alpha1 version. Compiled on first use;
// thread-safe. Fails only if the embedded CRD is broken (a build defect).
absl::StatusOr<const schema::SchemaNode*> SemanticRouterSchema();

}  // namespace srfleet::model
