// The verbs of a resource request, one function each. Cluster::Handle routes
// to them under the cluster lock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/kubesim/api_request.h"
#include "shared/kubesim/cluster_core.h"
#include "shared/kubesim/request_router.h"

namespace srfleet::kubesim {

struct RequestContext {
  const ApiRequest* request = nullptr;
  RequestInfo info;
  TypeId type_id = 0;
  const ResourceType* type = nullptr;
  std::string version;      // the version the client addressed
  std::string api_version;  // type->ApiVersion(version)
  std::string verb;         // get, list, watch, create, update, patch, apply, delete, deletecollection
  std::string manager;      // ?fieldManager=, else the User-Agent's product token
  bool dry_run = false;
  std::shared_ptr<WatchSink> sink;
};

// A successful JSON answer (Content-Type application/json, body + "\n").
ApiResponse JsonResponse(int status, const std::string& body_json, const std::vector<std::string>& warnings = {});

absl::StatusOr<HandleResult> HandleGet(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleList(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleWatch(ClusterCore& core, const std::shared_ptr<ClusterCore>& self,
                                         const RequestContext& ctx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleCreate(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleUpdate(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandlePatch(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleApply(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleDelete(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
absl::StatusOr<HandleResult> HandleDeleteCollection(ClusterCore& core, const RequestContext& ctx)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

}  // namespace srfleet::kubesim
