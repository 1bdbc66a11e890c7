// The renderer: a pure function from (SemanticRouter, platform facts,
// resolved backends) to the Kubernetes objects that should exist. No I/O, no
// clock; the same input gives byte-identical output.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/model/semantic_router.h"
#include "shared/render/render_input.h"

namespace srfleet::render {

struct RenderResult {
  // In apply order: identity and config first, the workload, then what
  // exposes it. Owner references are not set: the agent adds them, since only
  // it knows the live object's uid.
  std::vector<Json> objects;
  // Things a person should know that do not stop rendering (e.g. a Route
  // requested on a cluster that is not OpenShift).
  std::vector<std::string> warnings;
};

absl::StatusOr<RenderResult> Render(const model::SemanticRouter& router, const RenderInput& input);

// The backends `srfleet render` assumes offline: each endpoint resolved the
// way the agent resolves it when the referenced objects exist (KServe
// predictor on 8443/https, Llama Stack service on 8321, plain Service as
// given). The agent replaces this with what it finds in the cluster.
std::vector<ResolvedBackend> AssumedBackends(const model::SemanticRouter& router);

}  // namespace srfleet::render
