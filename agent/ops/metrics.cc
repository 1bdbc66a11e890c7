#include "agent/ops/metrics.h"

#include <sstream>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace srfleet::agent {
namespace {

// controller-runtime's reconcile-time buckets, extended to a minute: a
// reconcile that waits on a rate-limited API server can take that long.
const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

}  // namespace

struct AgentMetrics::Impl {
  Impl()
      : registry(std::make_shared<prometheus::Registry>()),
        reconcile_total(prometheus::BuildCounter()
                            .Name("srfleet_agent_reconcile_total")
                            .Help("Reconciles by result (success, error, requeue_after).")
                            .Register(*registry)),
        reconcile_errors(prometheus::BuildCounter()
                             .Name("srfleet_agent_reconcile_errors_total")
                             .Help("Reconciles that failed and were requeued with backoff.")
                             .Register(*registry)
                             .Add({})),
        reconcile_duration(prometheus::BuildHistogram()
                               .Name("srfleet_agent_reconcile_duration_seconds")
                               .Help("Time spent in one reconcile.")
                               .Register(*registry)
                               .Add({}, kDurationBuckets)),
        workqueue_depth(prometheus::BuildGauge()
                            .Name("srfleet_agent_workqueue_depth")
                            .Help("Keys waiting in the work queue, ready to be processed.")
                            .Register(*registry)
                            .Add({})),
        api_requests(prometheus::BuildCounter()
                         .Name("srfleet_agent_api_requests_total")
                         .Help("Kubernetes API request attempts by verb and HTTP code.")
                         .Register(*registry)),
        leader(prometheus::BuildGauge()
                   .Name("srfleet_agent_leader")
                   .Help("1 while this replica holds the leader lease.")
                   .Register(*registry)
                   .Add({})) {
    // Results show up as 0 before the first reconcile, so rate() works from
    // the first scrape.
    for (const char* result : {"success", "error", "requeue_after"}) reconcile_total.Add({{"result", result}});
  }

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& reconcile_total;
  prometheus::Counter& reconcile_errors;
  prometheus::Histogram& reconcile_duration;
  prometheus::Gauge& workqueue_depth;
  prometheus::Family<prometheus::Counter>& api_requests;
  prometheus::Gauge& leader;

  mutable absl::Mutex mu;
  std::function<size_t()> depth_source ABSL_GUARDED_BY(mu);
};

// prometheus-cpp builders are constructed with valid constant names, so
// they do not throw here.
AgentMetrics::AgentMetrics() : impl_(std::make_unique<Impl>()) {}
AgentMetrics::~AgentMetrics() = default;

void AgentMetrics::OnRequest(const kube::RequestMetric& metric) {
  const std::string code = metric.code == 0 ? "<error>" : std::to_string(metric.code);
  // Family::Add returns the existing series for known labels.
  impl_->api_requests.Add({{"verb", metric.verb}, {"code", code}}).Increment();
}

void AgentMetrics::OnReconcile(std::string_view controller, std::string_view result, absl::Duration duration) {
  impl_->reconcile_total.Add({{"result", std::string(result)}}).Increment();
  if (result == "error") impl_->reconcile_errors.Increment();
  impl_->reconcile_duration.Observe(absl::ToDoubleSeconds(duration));
}

void AgentMetrics::SetLeader(bool leader) { impl_->leader.Set(leader ? 1 : 0); }

void AgentMetrics::SetWorkqueueDepth(size_t depth) { impl_->workqueue_depth.Set(static_cast<double>(depth)); }

void AgentMetrics::SetWorkqueueDepthSource(std::function<size_t()> source) {
  absl::MutexLock lock(&impl_->mu);
  impl_->depth_source = std::move(source);
}

std::string AgentMetrics::Render() const {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->depth_source) impl_->workqueue_depth.Set(static_cast<double>(impl_->depth_source()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

std::shared_ptr<prometheus::Registry> AgentMetrics::registry() const { return impl_->registry; }

}  // namespace srfleet::agent
