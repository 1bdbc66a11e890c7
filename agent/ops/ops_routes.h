// The agent's operational routes for ops::HttpServer.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "shared/ops/http_server.h"

namespace srfleet::agent {

class AgentMetrics;

// /metrics: `metrics` rendered (omitted when null).
// /healthz: 200 "ok" while the process serves at all (liveness).
// /readyz:  200 "ok" when `readiness` returns OK (or is null), otherwise 503
//           with the status message, e.g. "informers not synced".
ops::HttpRoutes OpsRoutes(const AgentMetrics* metrics, std::function<absl::Status()> readiness);

}  // namespace srfleet::agent
