// KubeClient::Impl::Execute: rate limiting, authentication, retries with
// backoff / Retry-After, error decoding and metrics for one request.
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/kube/kube_client_impl.h"
#include "shared/kube/retry_policy.h"

namespace srfleet::kube {

KubeClient::Impl::Impl(const RestConfig& cfg, ClientOptions opts, std::shared_ptr<HttpTransport> http)
    : config(cfg),
      options(std::move(opts)),
      clock(options.clock != nullptr ? options.clock : &Clock::Real()),
      transport(std::move(http)),
      limiter(cfg.qps, cfg.burst, clock),
      tokens(cfg.bearer_token, cfg.token_file, options.token_refresh, clock) {}

std::string CallContext(const std::string& method, const std::string& target) {
  return absl::StrCat(method, " ", target);
}

absl::StatusOr<Json> DecodeJsonBody(const HttpResponse& response, const std::string& context) {
  Json parsed = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::DataLossError(absl::StrCat(context, ": the response is not valid JSON (HTTP ", response.status,
                                            ", ", response.body.size(), " bytes)"));
  }
  return parsed;
}

HttpRequest KubeClient::Impl::BuildRequest(const std::string& method, const std::string& target,
                                           const std::string& body, const std::string& content_type) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", config.user_agent);
  if (const std::string token = tokens.Token(); !token.empty()) {
    request.headers.emplace_back("Authorization", absl::StrCat("Bearer ", token));
  }
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  request.body = body;
  return request;
}

bool KubeClient::Impl::RateLimit(const CancelToken* cancel) {
  const absl::Duration wait = limiter.Reserve();
  if (wait <= absl::ZeroDuration()) return true;
  if (options.observer) options.observer->OnRateLimited(wait);
  return clock->SleepFor(wait, cancel);
}

void KubeClient::Impl::Observe(const RequestMetric& metric) const {
  if (options.observer) options.observer->OnRequest(metric);
}

absl::StatusOr<HttpResponse> KubeClient::Impl::Execute(const Call& call) {
  const std::string context = CallContext(call.method, call.target);
  Backoff backoff(options.retry_backoff, options.random);
  bool token_reread = false;
  const int max_attempts = std::max(options.max_attempts, 1);
  for (int attempt = 1;; ++attempt) {
    RateLimit(nullptr);
    const HttpRequest request = BuildRequest(call.method, call.target, call.body, call.content_type);
    const absl::Time start = absl::Now();
    HttpResult result = transport->RoundTrip(request, config.timeout);
    RequestMetric metric{call.verb, call.method, call.resource, result.status.ok() ? result.response.status : 0,
                         absl::Now() - start, attempt};
    Observe(metric);

    if (result.status.ok() && result.response.status / 100 == 2) return std::move(result.response);
    // A rotated service-account token: re-read it once and try again.
    if (result.status.ok() && result.response.status == 401 && !token_reread) {
      token_reread = true;
      if (tokens.ForceRefresh()) continue;
    }
    if (attempt < max_attempts && ShouldRetry(call.idempotent, result)) {
      std::optional<absl::Duration> delay;
      if (result.status.ok()) delay = RetryAfter(result.response);
      const absl::Duration wait = delay.has_value() ? std::min(*delay, options.max_retry_after) : backoff.Next();
      if (options.observer) options.observer->OnRetry(metric, wait);
      clock->SleepFor(wait, nullptr);
      continue;
    }
    const std::string where =
        attempt > 1 ? absl::StrCat(context, " (attempt ", attempt, " of ", max_attempts, ")") : context;
    if (!result.status.ok()) {
      return absl::Status(result.status.code(), absl::StrCat(where, ": ", result.status.message()));
    }
    return ToStatus(ApiErrorFromResponse(result.response.status, result.response.body), where);
  }
}

absl::StatusOr<Json> KubeClient::Impl::ExecuteJson(const Call& call) {
  absl::StatusOr<HttpResponse> response = Execute(call);
  if (!response.ok()) return response.status();
  return DecodeJsonBody(*response, CallContext(call.method, call.target));
}

}  // namespace srfleet::kube
