// Hooks for request metrics (counts by verb and code, latency), so that the
// agent can export them without this library depending on a metrics stack.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace srfleet::kube {

struct RequestMetric {
  // Kubernetes verb: get, list, watch, create, update, patch, apply, delete
  // (discovery requests: get).
  std::string verb;
  std::string method;    // HTTP method
  std::string resource;  // "configmaps", "deployments/status", "" for discovery
  // HTTP status code; 0 when no response arrived (connection failure, timeout).
  int code = 0;
  absl::Duration latency;  // of this attempt (a watch: the whole stream)
  int attempt = 1;         // 1 for the first try of a request
};

// Implementations must be thread-safe and fast: they are called inline from
// every requesting thread.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // Every attempt, including those that will be retried.
  virtual void OnRequest(const RequestMetric& metric) {}
  // An attempt failed and another follows after `delay`.
  virtual void OnRetry(const RequestMetric& failed, absl::Duration delay) {}
  // The client-side rate limiter delayed a request.
  virtual void OnRateLimited(absl::Duration waited) {}
};

}  // namespace srfleet::kube
