// Kubernetes API errors: the server's `Status` object decoded, attached to
// the absl::Status the client returns, and the usual predicates.
//
// HTTP code -> absl::StatusCode:
//   400 BadRequest          InvalidArgument
//   401 Unauthorized        Unauthenticated
//   403 Forbidden           PermissionDenied
//   404 NotFound            NotFound
//   405 MethodNotAllowed    Unimplemented
//   409 reason AlreadyExists  AlreadyExists
//   409 otherwise (Conflict: stale resourceVersion, SSA field conflict)  Aborted
//       (absl's "retry the read-modify-write" code)
//   410 Gone / Expired      OutOfRange: the requested resourceVersion or
//       continue token is outside the window the server keeps; relist.
//   413, 415, 422 Invalid   InvalidArgument
//   429 TooManyRequests     ResourceExhausted
//   500 InternalError       Internal
//   501                     Unimplemented
//   other 5xx (503, 504...) Unavailable
//   other 4xx               FailedPrecondition
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "shared/json/json.h"

namespace srfleet::kube {

struct ApiError {
  int code = 0;         // HTTP status code (Status.code)
  std::string reason;   // NotFound, AlreadyExists, Conflict, Invalid, Expired, ...
  std::string message;
  struct Cause {
    std::string reason, message, field;
  };
  std::vector<Cause> causes;
  std::string details_name, details_kind;
  int retry_after_seconds = 0;  // details.retryAfterSeconds
  std::string continue_token;   // metadata.continue of a 410 Expired list

  Json ToStatusJson() const;
};

// Decodes a `kind: Status` object; nullopt for anything else.
std::optional<ApiError> ParseStatus(const Json& object);
// From an HTTP error response: its Status body when it has one, otherwise an
// error synthesised from the code (reason from the code, message from the
// first bytes of the body), as client-go does.
ApiError ApiErrorFromResponse(int http_code, std::string_view body);

absl::StatusCode StatusCodeFor(const ApiError& error);
// An absl::Status with StatusCodeFor(error), a message naming `context`
// (e.g. "GET /api/v1/...") and the ApiError as payload.
absl::Status ToStatus(const ApiError& error, std::string_view context = "");
std::optional<ApiError> GetApiError(const absl::Status& status);

// Call these qualified (kube::IsNotFound(s)): absl declares IsNotFound and
// IsAlreadyExists too, and an unqualified call is ambiguous through ADL.
// Unlike absl's, they look at the decoded ApiError, so a transport failure
// that happens to carry the same absl code never matches.
bool IsNotFound(const absl::Status& status);
bool IsAlreadyExists(const absl::Status& status);
// 409 other than AlreadyExists: stale resourceVersion or SSA field conflict.
bool IsConflict(const absl::Status& status);
// 410, reason Expired or Gone (watch/list from a resourceVersion too old).
bool IsGone(const absl::Status& status);
bool IsInvalid(const absl::Status& status);  // 422
bool IsTooManyRequests(const absl::Status& status);
bool IsForbidden(const absl::Status& status);
bool IsUnauthorized(const absl::Status& status);

}  // namespace srfleet::kube
