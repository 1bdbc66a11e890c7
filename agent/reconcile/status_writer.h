// SemanticRouter status: computed from what the pass found (pure, so tests
// drive it directly), written with a JSON merge patch on /status only when it
// differs from the live status, so a converged router costs no writes.
//
// Phase: Failed (invalid spec, render error) > Degraded (apply/API errors,
// unresolved backends, storage, missing Secret or Gateway) > Pending (no
// ready pod) > Progressing (0 < ready < desired, or the Deployment has not
// observed its latest generation) > Running (ready >= desired > 0).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/backends/backend_resolver.h"
#include "agent/reconcile/storage_check.h"
#include "shared/json/json.h"
#include "shared/kube/kube_client.h"

namespace srfleet::agent {

// One problem that makes the router Degraded (or Failed).
struct StatusProblem {
  std::string reason;   // CamelCase: ApplyFailed, BackendUnresolved, ...
  std::string message;  // what happened and what to do
};

struct StatusInputs {
  int64_t generation = 0;
  const Json* live_status = nullptr;  // for lastTransitionTime; may be null
  absl::Time now;

  // Failed: the spec is invalid or cannot be rendered; nothing else matters.
  std::optional<StatusProblem> failure;
  // Degraded causes other than backends and storage (apply errors, Secrets,
  // the Gateway), in the order they should be reported.
  std::vector<StatusProblem> problems;

  const BackendResolution* backends = nullptr;
  const StorageCheck* storage = nullptr;

  bool gateway_mode = false;
  bool gateway_ready = false;
  std::string gateway_reason, gateway_message;

  // spec.openshift.routes.enabled on an OpenShift cluster.
  bool routes_wanted = false;
  const Json* route = nullptr;  // the live Route, may be null

  const Json* deployment = nullptr;  // the live Deployment, may be null
  std::string deployment_name;
  std::string ns;
  bool autoscaling = false;
  int64_t spec_replicas = 1;
};

Json ComputeStatus(const StatusInputs& in);

// The merge patch turning `live` into `computed`: the computed status, plus
// null for each top-level key only the live status has.
Json StatusMergePatch(const Json& computed, const Json* live);

// Whether `computed` equals the live status (absent live = empty).
bool StatusUpToDate(const Json& computed, const Json* live);

class StatusWriter {
 public:
  explicit StatusWriter(kube::KubeClient& client) : client_(client) {}
  // Patches the router's status when it differs; returns the server's answer
  // when it wrote, nullopt when nothing had to be written.
  absl::StatusOr<std::optional<Json>> Write(const Json& live_router, const Json& computed);

 private:
  kube::KubeClient& client_;
};

}  // namespace srfleet::agent
