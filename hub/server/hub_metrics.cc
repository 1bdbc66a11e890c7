#include "hub/server/hub_metrics.h"

#include <sstream>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace srfleet::hub {
namespace {

// Push->ack spans a network round trip plus a Kubernetes apply on the agent.
const prometheus::Histogram::BucketBoundaries kAckBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                             0.25,  0.5,    1,     2.5,  5,     10,   30};
// SQLite commits with fsync: sub-millisecond to tens of milliseconds.
const prometheus::Histogram::BucketBoundaries kStoreBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                               0.01,   0.025,   0.05,   0.1,   0.25,   1};

}  // namespace

struct HubMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Gauge>& agents =
      prometheus::BuildGauge().Name("srfleet_hub_agents_connected").Help("Agents with a live Connect stream.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& clusters =
      prometheus::BuildGauge().Name("srfleet_hub_clusters").Help("Registered clusters by connection state.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& intents =
      prometheus::BuildGauge().Name("srfleet_hub_intents").Help("Live intents (SemanticRouters declared at the hub).").Register(*registry);
  prometheus::Family<prometheus::Gauge>& routers =
      prometheus::BuildGauge().Name("srfleet_hub_routers_reported").Help("SemanticRouters reported by agents, fleet-wide.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& queued =
      prometheus::BuildGauge().Name("srfleet_hub_queued_pushes").Help("Pushes waiting in agents' send queues.").Register(*registry);
  prometheus::Family<prometheus::Counter>& pushes =
      prometheus::BuildCounter().Name("srfleet_hub_pushes_total").Help("Intent upserts and deletes written to agent streams.").Register(*registry);
  prometheus::Family<prometheus::Counter>& push_bytes =
      prometheus::BuildCounter().Name("srfleet_hub_push_bytes_total").Help("Bytes of pushes written to agent streams.").Register(*registry);
  prometheus::Counter& coalesced =
      prometheus::BuildCounter().Name("srfleet_hub_pushes_coalesced_total").Help("Pending pushes replaced by a newer revision before they were sent.").Register(*registry).Add({});
  prometheus::Counter& acks =
      prometheus::BuildCounter().Name("srfleet_hub_acks_total").Help("Pushes the agents applied.").Register(*registry).Add({});
  prometheus::Counter& nacks =
      prometheus::BuildCounter().Name("srfleet_hub_nacks_total").Help("Pushes the agents refused (see srfleet describe).").Register(*registry).Add({});
  prometheus::Histogram& ack_latency =
      prometheus::BuildHistogram().Name("srfleet_hub_push_ack_latency_seconds").Help("From queueing a push for an agent to its ACK.").Register(*registry).Add({}, kAckBuckets);
  prometheus::Counter& status_reports =
      prometheus::BuildCounter().Name("srfleet_hub_status_reports_total").Help("StatusReport messages received.").Register(*registry).Add({});
  prometheus::Counter& status_routers =
      prometheus::BuildCounter().Name("srfleet_hub_status_router_updates_total").Help("Router status updates received.").Register(*registry).Add({});
  prometheus::Family<prometheus::Counter>& rejected =
      prometheus::BuildCounter().Name("srfleet_hub_streams_rejected_total").Help("Connect streams refused or closed by the hub, by reason.").Register(*registry);
  prometheus::Family<prometheus::Histogram>& store =
      prometheus::BuildHistogram().Name("srfleet_hub_store_latency_seconds").Help("IntentStore operation latency.").Register(*registry);
  prometheus::Family<prometheus::Counter>& store_errors =
      prometheus::BuildCounter().Name("srfleet_hub_store_errors_total").Help("IntentStore operations that failed.").Register(*registry);
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("srfleet_hub_fleet_requests_total").Help("Fleet API calls by method and gRPC code.").Register(*registry);

  absl::Mutex mu;  // the gauge source and the label-keyed gauges it sets
  std::function<FleetGauges()> source;
};

HubMetrics::HubMetrics() : impl_(std::make_unique<Impl>()) {
  for (const char* state : {"Connected", "Disconnected", "Unknown", "Registered"}) impl_->clusters.Add({{"state", state}});
  for (const char* kind : {"upsert", "delete"}) {
    impl_->pushes.Add({{"kind", kind}});
    impl_->push_bytes.Add({{"kind", kind}});
  }
}

HubMetrics::~HubMetrics() = default;

void HubMetrics::SetGaugeSource(std::function<FleetGauges()> source) {
  absl::MutexLock lock(&impl_->mu);
  impl_->source = std::move(source);
}

void HubMetrics::OnPush(std::string_view kind, size_t bytes) {
  impl_->pushes.Add({{"kind", std::string(kind)}}).Increment();
  impl_->push_bytes.Add({{"kind", std::string(kind)}}).Increment(static_cast<double>(bytes));
}
void HubMetrics::OnCoalesced() { impl_->coalesced.Increment(); }
void HubMetrics::OnAck(absl::Duration push_to_ack) {
  impl_->acks.Increment();
  impl_->ack_latency.Observe(absl::ToDoubleSeconds(push_to_ack));
}
void HubMetrics::OnNack() { impl_->nacks.Increment(); }
void HubMetrics::OnStatusReport(int routers) {
  impl_->status_reports.Increment();
  impl_->status_routers.Increment(routers);
}
void HubMetrics::OnStreamRejected(std::string_view reason) {
  impl_->rejected.Add({{"reason", std::string(reason)}}).Increment();
}
void HubMetrics::OnStoreOp(std::string_view op, absl::Duration latency, bool ok) {
  impl_->store.Add({{"op", std::string(op)}}, kStoreBuckets).Observe(absl::ToDoubleSeconds(latency));
  if (!ok) impl_->store_errors.Add({{"op", std::string(op)}}).Increment();
}
void HubMetrics::OnFleetRequest(std::string_view method, std::string_view code) {
  impl_->requests.Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
}

std::string HubMetrics::Render() const {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->source) {
      const FleetGauges g = impl_->source();
      impl_->agents.Add({}).Set(g.agents_connected);
      for (const char* state : {"Connected", "Disconnected", "Unknown", "Registered"}) {
        auto it = g.clusters_by_state.find(state);
        impl_->clusters.Add({{"state", state}}).Set(it == g.clusters_by_state.end() ? 0 : it->second);
      }
      impl_->intents.Add({}).Set(g.intents);
      impl_->routers.Add({}).Set(g.routers_reported);
      impl_->queued.Add({}).Set(static_cast<double>(g.queued_pushes));
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace srfleet::hub
