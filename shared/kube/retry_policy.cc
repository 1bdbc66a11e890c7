#include "shared/kube/retry_policy.h"

#include <charconv>
#include <string>

#include "shared/kube/api_error.h"

namespace srfleet::kube {
namespace {

bool HasStatusBody(const HttpResponse& response) {
  const Json parsed = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  return ParseStatus(parsed).has_value();
}

}  // namespace

bool ShouldRetry(bool idempotent, const HttpResult& result) {
  if (!result.status.ok()) {
    // Connection loss and timeouts are transient; anything else (cancelled,
    // an untrusted server certificate) would fail the same way again.
    const absl::StatusCode code = result.status.code();
    if (code != absl::StatusCode::kUnavailable && code != absl::StatusCode::kDeadlineExceeded) return false;
    return idempotent || !result.request_sent;
  }
  const int code = result.response.status;
  if (code == 429) return true;
  if (code < 500) return false;
  if (idempotent) return true;
  return (code == 500 || code == 503) && HasStatusBody(result.response);
}

std::optional<absl::Duration> RetryAfter(const HttpResponse& response) {
  const std::string value = response.Header("Retry-After");
  if (!value.empty()) {
    int seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && ptr == value.data() + value.size() && seconds >= 0) return absl::Seconds(seconds);
  }
  if (response.status == 429 || response.status >= 500) {
    std::optional<ApiError> e = ParseStatus(Json::parse(response.body, nullptr, /*allow_exceptions=*/false));
    if (e.has_value() && e->retry_after_seconds > 0) return absl::Seconds(e->retry_after_seconds);
  }
  return std::nullopt;
}

}  // namespace srfleet::kube
