// Which failed attempts are retried, and after how long the server asked us
// to wait. Pure functions, so the rules are unit-tested without a server.
//
// - No response at all (Unavailable: connection refused/reset/closed, or
//   DeadlineExceeded; not an untrusted server certificate, which is
//   FailedPrecondition): retried when the verb is idempotent (GET, and
//   server-side apply, which converges to the same result when repeated) or
//   when the request never left (connect/TLS/write failed).
// - 429: always retried (the server refused before doing anything).
// - 500/503 whose body is a Status: retried for any verb; the API server
//   answers so before it has applied the change.
// - 502/504 and 5xx without a Status: only idempotent verbs (a proxy or a
//   timeout cannot tell us whether a write happened).
// - Any other 4xx: never.
#pragma once

#include <optional>

#include "absl/time/time.h"
#include "shared/kube/http_transport.h"

namespace srfleet::kube {

bool ShouldRetry(bool idempotent, const HttpResult& result);

// Retry-After in delta-seconds (the form the API server sends); nullopt when
// absent or in HTTP-date form. Falls back to the Status body's
// details.retryAfterSeconds.
std::optional<absl::Duration> RetryAfter(const HttpResponse& response);

}  // namespace srfleet::kube
