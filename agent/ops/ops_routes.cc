// The operational endpoints served by HttpServer (see shared/ops/http_server.h).
#include <exception>
#include <string>
#include <utility>

#include "agent/ops/ops_routes.h"
#include "agent/ops/metrics.h"

namespace srfleet::agent {

ops::HttpRoutes OpsRoutes(const AgentMetrics* metrics, std::function<absl::Status()> readiness) {
  ops::HttpRoutes routes;
  if (metrics != nullptr) {
    routes["/metrics"] = [metrics] {
      return ops::HttpResponse{200, std::string(kPrometheusTextContentType), metrics->Render()};
    };
  }
  // Liveness answers as long as this thread runs: a deadlocked worker pool
  // should show in metrics, not get the pod killed in a restart loop.
  routes["/healthz"] = [] { return ops::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
  routes["/readyz"] = [readiness = std::move(readiness)] {
    const absl::Status ready = readiness ? readiness() : absl::OkStatus();
    if (ready.ok()) return ops::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
    return ops::HttpResponse{503, "text/plain; charset=utf-8", std::string(ready.message()) + "\n"};
  };
  return routes;
}

}  // namespace srfleet::agent
