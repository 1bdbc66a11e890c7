// CRD-backed objects checked against their structural schema the way the
// apiextensions server does: unknown fields found (strict) or pruned,
// defaults applied, OpenAPI value validation and CEL rules, with problems in
// the API server's field-error vocabulary.
#pragma once

#include <string>
#include <vector>

#include "shared/json/json.h"
#include "shared/kubesim/status_errors.h"
#include "shared/schema/schema_node.h"

namespace srfleet::kubesim {

// Paths ("spec.foo") of fields `object` carries that the schema does not
// declare. apiVersion/kind/metadata at the root are always allowed.
std::vector<std::string> UnknownFields(const schema::SchemaNode& schema, const Json& object);

// Prunes unknown fields, applies defaults and validates, in place. `old` (on
// update) enables CEL transition rules.
std::vector<FieldProblem> DefaultAndValidate(const schema::SchemaNode& schema, Json& object, const Json* old);

}  // namespace srfleet::kubesim
