// The hub's Prometheus metrics (prometheus-cpp stays out of this header).
// Gauges that mirror state (agents connected, clusters by state, intents) are
// sampled from a source function at scrape time, so they can never drift
// from the state they describe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace srfleet::hub {

struct FleetGauges {
  int agents_connected = 0;
  std::map<std::string, int> clusters_by_state;  // Connected, Disconnected, Unknown, Registered
  int intents = 0;
  int routers_reported = 0;
  size_t queued_pushes = 0;
};

class HubMetrics {
 public:
  HubMetrics();
  ~HubMetrics();
  HubMetrics(const HubMetrics&) = delete;
  HubMetrics& operator=(const HubMetrics&) = delete;

  void SetGaugeSource(std::function<FleetGauges()> source);

  void OnPush(std::string_view kind, size_t bytes);  // kind: upsert, delete
  void OnCoalesced();
  void OnAck(absl::Duration push_to_ack);
  void OnNack();
  void OnStatusReport(int routers);
  void OnStreamRejected(std::string_view reason);     // malformed, unregistered, unauthenticated, ...
  void OnStoreOp(std::string_view op, absl::Duration latency, bool ok);
  void OnFleetRequest(std::string_view method, std::string_view code);

  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace srfleet::hub
