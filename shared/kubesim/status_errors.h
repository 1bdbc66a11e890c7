// The API server's metav1.Status failures, byte-compatible with the captures in
// reference/k8s-wire: messages, reasons, details and codes. Internally a
// failure travels as an absl::Status carrying the wire body as a payload, so
// every layer can return absl::Status and the edge turns it into a response.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shared/json/json.h"
#include "shared/kubesim/api_request.h"

namespace srfleet::kubesim {

struct ResourceType;

struct StatusCause {
  std::string reason;  // FieldValueInvalid, FieldManagerConflict, ...; may be empty
  std::string message;
  std::string field;
};

// One field problem in the vocabulary of k8s.io/apimachinery field.Error.
struct FieldProblem {
  enum class Type {
    kRequired, kInvalid, kNotSupported, kDuplicate, kForbidden, kTooLong, kTooMany, kTypeInvalid, kNotFound
  };
  Type type = Type::kInvalid;
  std::string field;
  std::string value;   // already rendered the way Go prints it (quoted strings); "" when unused
  std::string detail;  // for kNotSupported: the rendered list of supported values

  std::string Body() const;                            // "Invalid value: 0: must be ..."
  std::string Error() const { return field + ": " + Body(); }
  std::string CauseReason() const;                     // "FieldValueInvalid"
};

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}
// `details` and `metadata` may be null (details omitted, metadata {}).
Json FailureStatus(const std::string& message, const std::string& reason, const Json& details, int code,
                   const Json& metadata = Json());
// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{...}}
Json SuccessStatus(const Json& details);
// {"name":..,"group":..,"kind":..,"uid":..} with empty members left out.
Json StatusDetails(const std::string& name, const std::string& group, const std::string& kind,
                   const std::string& uid = "");

// A failure that should reach the client as `body` with HTTP `code`.
absl::Status ApiError(int code, const Json& body, const std::vector<std::pair<std::string, std::string>>& headers = {});
// The HTTP code and Status body of `status` (payload, or a generic mapping
// for plain absl errors: those become 500 InternalError).
struct WireError {
  int code = 500;
  Json body;
  std::vector<std::pair<std::string, std::string>> headers;
};
WireError ToWireError(const absl::Status& status);
ApiResponse ErrorResponse(const absl::Status& status);

// "configmaps" or "deployments.apps": how the server names a resource in messages.
std::string QualifiedResource(const ResourceType& type);
// "Service" or "Deployment.apps": the qualified kind of 422 messages.
std::string QualifiedKind(const std::string& kind, const std::string& group);

absl::Status NotFoundError(const ResourceType& type, const std::string& name);
absl::Status NamespaceNotFoundError(const std::string& name);
absl::Status AlreadyExistsError(const ResourceType& type, const std::string& name);
// "Operation cannot be fulfilled on <res> \"<name>\": <why>"
absl::Status ConflictError(const ResourceType& type, const std::string& name, const std::string& why);
absl::Status StaleResourceVersionError(const ResourceType& type, const std::string& name);
absl::Status InvalidError(const std::string& kind, const std::string& group, const std::string& name,
                          const std::vector<FieldProblem>& problems);
absl::Status BadRequestError(const std::string& message);
absl::Status ForbiddenError(const ResourceType& type, const std::string& name, const std::string& why);
absl::Status MethodNotAllowedError();
absl::Status UnsupportedMediaTypeError(const std::string& content_type);
// Known group/version, unknown resource.
absl::Status ResourceNotFoundError();
absl::Status ExpiredError(const std::string& message, const std::string& continue_token = "");
absl::Status TooLargeResourceVersionError(int64_t requested, int64_t current);
absl::Status TooManyRequestsError(int retry_after_seconds);
absl::Status InternalServerError(const std::string& what);
absl::Status FaultError(int code, int retry_after_seconds);
// What etcd storage answers a create that names a resourceVersion: a 500
// without reason (as the real server does).
absl::Status ResourceVersionOnCreateError();
// The 409 of a server-side apply conflict; causes are already formatted.
absl::Status ApplyConflictError(const std::string& message, const std::vector<StatusCause>& causes);

// Go-style rendering of a value inside field error messages: strings quoted
// with escapes, numbers and booleans bare, objects/arrays by type name.
std::string GoValue(const Json& v);
std::string GoQuote(const std::string& s);

}  // namespace srfleet::kubesim
