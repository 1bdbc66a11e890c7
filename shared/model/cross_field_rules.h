// Rules the CRD schema cannot express (or that a real API server would only
// catch later, at Pod or Service creation): checked here so the user learns
// at apply time, with the field path, instead of from a stuck rollout.
#pragma once

#include "shared/json/json.h"
#include "shared/schema/field_error.h"

namespace srfleet::model {

// `object` is a SemanticRouter that passed schema validation (well-typed,
// defaults applied).
schema::FieldErrors CheckCrossFieldRules(const Json& object);

}  // namespace srfleet::model
