// Request plumbing shared by the verb handlers: bodies, type meta, the
// version to answer in, and the JSON response shape.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/selectors.h"
#include "shared/kubesim/write_pipeline.h"

namespace srfleet::kubesim {

// The Content-Type without parameters, lower-case.
std::string MediaType(const ApiRequest& request);
absl::StatusOr<Json> ParseJsonBody(const std::string& body);
// JSON, or YAML when the Content-Type says so.
absl::StatusOr<Json> ParseObjectBody(const ApiRequest& request);
// The body's type meta must name the endpoint's type (custom types may use
// any version they serve). 400 otherwise.
absl::Status CheckTypeMeta(const RequestContext& ctx, const Json& body);

WriteSpec SpecFor(const RequestContext& ctx);
// "" when the client addressed the storage version, else its apiVersion.
std::string ResponseVersion(const RequestContext& ctx);
HandleResult Respond(int status, const RequestContext& ctx, const WriteResult& w);
const StoredObject* LiveObject(ClusterCore& core, const RequestContext& ctx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

struct Selectors {
  LabelSelector labels;
  FieldSelector fields;
};
// labelSelector/fieldSelector of a list or watch (a named watch adds
// metadata.name=<name>).
absl::StatusOr<Selectors> ParseSelectors(const RequestContext& ctx);
// A non-negative resourceVersion; InvalidRv is the 400 for anything else.
bool ParseRv(const std::string& text, int64_t* rv);
absl::Status InvalidRv(const std::string& text);

}  // namespace srfleet::kubesim
