// The router's own configuration, rendered from a SemanticRouter spec
// (seed-operator §2.8, §2.9): the canonical v0.3 `config.yaml` document and
// the `tools_db.json` file, both stored in the `<name>-config` ConfigMap.
//
// Pure functions of their inputs: no I/O, no clock, and the same input gives
// the same Json, key order included, so the caller's YAML is byte-stable and
// a no-op reconcile writes nothing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>  // RouterConfig holds a Json by value

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/render/render_input.h"

namespace srfleet::render {

// A Secret value the router config needs at `json_pointer` (RFC 6901, into
// RouterConfig::config), e.g. "/global/stores/response_cache/redis/connection/password".
// The renderer never writes the value itself: the caller decides whether to
// fill it in (agent) or leave it out (offline `srfleet render`).
struct SecretUse {
  std::string json_pointer;
  SecretKeyRef ref;
};

struct RouterConfig {
  Json config;                     // the canonical config.yaml document
  std::vector<SecretUse> secrets;  // password_secret_ref occurrences, in spec order
};

// `spec` is a SemanticRouter `.spec` after CRD defaulting and validation.
// `backends` holds only the spec.vllmEndpoints that resolved; an endpoint
// missing from it is left out of the config everywhere. Odd input (a field of
// the wrong type, a threshold that is not a decimal in [0,1], ...) gives an
// InvalidArgument status whose message starts with the field path, e.g.
// "spec.config.tools.similarity_threshold: ...". Never throws.
absl::StatusOr<RouterConfig> BuildRouterConfig(const Json& spec,
                                               const std::vector<ResolvedBackend>& backends);

// The content of tools_db.json: compact JSON text built from spec.toolsDb
// ("[]" when it is absent or null). Entries in the flat upstream-sample shape
// {name, description, parameters} are converted to the nested shape the
// router reads. Never throws.
absl::StatusOr<std::string> BuildToolsDb(const Json& spec);

}  // namespace srfleet::render
