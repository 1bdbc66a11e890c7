// The query and path parameters kube-apiserver 1.30 lists on its OpenAPI v3
// operations (names, descriptions and schemas as in reference/k8s-openapi-v3).
// Clients read them: kubectl's QueryParamVerifierV3 looks for
// `fieldValidation` on a kind's PATCH operation to decide whether the server
// validates fields (and client-side schema validation can be skipped).
#pragma once

#include <string>

#include "shared/json/json.h"

namespace srfleet::kubesim {

// A query parameter by name ("dryRun", "fieldValidation", "watch", ...).
// `apply_manager` selects the fieldManager wording of PATCH operations (it
// mentions apply requests). An unknown name gives a plain string parameter.
Json QueryParameter(const std::string& name, bool apply_manager = false);

// {"name":"namespace","in":"path",...}
Json NamespacePathParameter();
// {"name":"name","in":"path","description":"name of the <Kind>",...}
Json NamePathParameter(const std::string& kind);

}  // namespace srfleet::kubesim
