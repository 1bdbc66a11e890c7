// The agent's Prometheus metrics: reconciles (count by result, errors,
// duration), work-queue depth, API requests by verb and code (fed by the kube
// client's RequestObserver hook) and whether this replica leads. Render()
// produces the text exposition format for /metrics (http_server.h).
// prometheus-cpp stays out of this header; registry() lets other parts add
// their own families.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "agent/controller/controller.h"
#include "shared/kube/metrics.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace srfleet::agent {

// Thread-safe. Hand it to the KubeClient as ClientOptions::observer (it is a
// shared_ptr there, so create it with std::make_shared) and to each
// Controller with SetObserver().
class AgentMetrics : public kube::RequestObserver, public ReconcileObserver {
 public:
  AgentMetrics();
  ~AgentMetrics() override;
  AgentMetrics(const AgentMetrics&) = delete;
  AgentMetrics& operator=(const AgentMetrics&) = delete;

  // srfleet_agent_api_requests_total{verb,code}; code "<error>" when no
  // response arrived. Every attempt counts, retried ones included.
  void OnRequest(const kube::RequestMetric& metric) override;
  // srfleet_agent_reconcile_total{result}, srfleet_agent_reconcile_errors_total,
  // srfleet_agent_reconcile_duration_seconds.
  void OnReconcile(std::string_view controller, std::string_view result, absl::Duration duration) override;

  void SetLeader(bool leader);                 // srfleet_agent_leader 1/0
  void SetWorkqueueDepth(size_t depth);        // srfleet_agent_workqueue_depth
  // Sampled at every Render() (e.g. [&queue] { return queue.Len(); }); the
  // source must outlive this object or be replaced by nullptr first.
  void SetWorkqueueDepthSource(std::function<size_t()> source);

  // Every family in the registry, Prometheus text format 0.0.4.
  std::string Render() const;
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Content-Type of Render()'s output.
inline constexpr std::string_view kPrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace srfleet::agent
