// Internal: the state behind KubeClient, shared by its implementation files
// (verbs, request execution with retries, watch, discovery).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/rate_limiter.h"
#include "shared/kube/token_source.h"

namespace srfleet::kube {

struct KubeClient::Impl {
  Impl(const RestConfig& cfg, ClientOptions opts, std::shared_ptr<HttpTransport> http);

  // One logical request; Execute() may send it several times.
  struct Call {
    std::string verb;      // for metrics: get, list, create, update, patch, apply, delete
    std::string method;    // HTTP
    std::string target;    // path and query
    std::string resource;  // for metrics: "configmaps", "deployments/status", "" (discovery)
    std::string body;
    std::string content_type;
    // Safe to resend after a lost response (see retry_policy.h).
    bool idempotent = false;
  };

  // A 2xx response, or the error (an ApiError status for HTTP errors) after
  // rate limiting, retries and a token re-read on 401.
  absl::StatusOr<HttpResponse> Execute(const Call& call);
  // Execute() and decode the body as JSON.
  absl::StatusOr<Json> ExecuteJson(const Call& call);

  HttpRequest BuildRequest(const std::string& method, const std::string& target, const std::string& body,
                           const std::string& content_type);
  // Waits for the rate limiter; false when cancelled meanwhile.
  bool RateLimit(const CancelToken* cancel);
  void Observe(const RequestMetric& metric) const;

  RestConfig config;
  ClientOptions options;
  Clock* clock;
  std::shared_ptr<HttpTransport> transport;
  RateLimiter limiter;
  internal::TokenSource tokens;
};

// "GET /api/v1/...": the prefix of every error message about a request.
std::string CallContext(const std::string& method, const std::string& target);
absl::StatusOr<Json> DecodeJsonBody(const HttpResponse& response, const std::string& context);

}  // namespace srfleet::kube
