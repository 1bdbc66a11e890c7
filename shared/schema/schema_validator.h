// Validates (and defaults) a JSON value against a compiled schema the way the
// Kubernetes API server does for a create/update with strict field validation:
// unknown fields -> defaulting -> OpenAPI value validation -> CEL rules.
#pragma once

#include <string>

#include "shared/json/json.h"
#include "shared/schema/field_error.h"
#include "shared/schema/schema_node.h"

namespace srfleet::schema {

struct ValidateOptions {
  // Strict field validation (kubectl --validate=strict, SSA): report fields the
  // schema does not declare. When false they are pruned silently instead,
  // like the API server's default for CRDs.
  bool reject_unknown_fields = true;
  // Apply `default` values where a declared field is absent.
  bool apply_defaults = true;
  // Evaluate x-kubernetes-validations rules.
  bool evaluate_cel = true;
};

// Validates `value` in place (defaults are written into it; with
// reject_unknown_fields == false, unknown fields are removed from it).
// `old_value` enables CEL transition rules (oldSelf) on update.
FieldErrors Validate(const SchemaNode& schema, Json& value, const ValidateOptions& options = {},
                     const std::string& path = "", const Json* old_value = nullptr);

}  // namespace srfleet::schema
