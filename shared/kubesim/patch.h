// The non-apply PATCH formats the API server accepts.
#pragma once

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::kubesim {

// RFC 7386 JSON merge patch: objects merge recursively, null deletes, any
// other value (arrays included) replaces. Also used for strategic merge
// patches (kubesim does not know built-in patch strategies).
Json MergePatch(const Json& target, const Json& patch);

// RFC 6902 JSON patch (add, remove, replace, move, copy, test). A malformed
// patch is 400 BadRequest; an operation that cannot apply is 422, as on the
// real server.
absl::StatusOr<Json> JsonPatch(const Json& target, const Json& operations);

}  // namespace srfleet::kubesim
