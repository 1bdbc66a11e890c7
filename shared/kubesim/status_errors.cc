#include "shared/kubesim/status_errors.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {
namespace {

constexpr char kPayloadUrl[] = "type.srfleet.dev/kubesim.Status";
constexpr char kHeaderPayloadUrl[] = "type.srfleet.dev/kubesim.Headers";

absl::StatusCode CanonicalCode(int http) {
  switch (http) {
    case 400:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return http >= 500 ? absl::StatusCode::kInternal : absl::StatusCode::kFailedPrecondition;
  }
}

}  // namespace

std::string FieldProblem::Body() const {
  switch (type) {
    case Type::kRequired:
      return detail.empty() ? "Required value" : "Required value: " + detail;
    case Type::kForbidden:
      return detail.empty() ? "Forbidden" : "Forbidden: " + detail;
    case Type::kTooLong:
      return "Too long: " + detail;
    case Type::kTooMany:
      return "Too many: " + value + ": " + detail;
    case Type::kDuplicate:
      return "Duplicate value: " + value;
    case Type::kNotFound:
      return "Not found: " + value;
    case Type::kNotSupported:
      return "Unsupported value: " + value + (detail.empty() ? "" : ": supported values: " + detail);
    case Type::kInvalid:
    case Type::kTypeInvalid:
      return "Invalid value: " + value + (detail.empty() ? "" : ": " + detail);
  }
  return detail;
}

std::string FieldProblem::CauseReason() const {
  switch (type) {
    case Type::kRequired:
      return "FieldValueRequired";
    case Type::kForbidden:
      return "FieldValueForbidden";
    case Type::kTooLong:
      return "FieldValueTooLong";
    case Type::kTooMany:
      return "FieldValueTooMany";
    case Type::kDuplicate:
      return "FieldValueDuplicate";
    case Type::kNotFound:
      return "FieldValueNotFound";
    case Type::kNotSupported:
      return "FieldValueNotSupported";
    case Type::kTypeInvalid:
      return "FieldValueTypeInvalid";
    case Type::kInvalid:
      return "FieldValueInvalid";
  }
  return "FieldValueInvalid";
}

Json FailureStatus(const std::string& message, const std::string& reason, const Json& details, int code,
                   const Json& metadata) {
  Json s = Json::object();
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = metadata.is_object() ? metadata : Json::object();
  s["status"] = "Failure";
  if (!message.empty()) s["message"] = message;
  if (!reason.empty()) s["reason"] = reason;
  if (details.is_object()) s["details"] = details;
  s["code"] = code;
  return s;
}

Json SuccessStatus(const Json& details) {
  Json s = Json::object();
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = Json::object();
  s["status"] = "Success";
  s["details"] = details;
  return s;
}

Json StatusDetails(const std::string& name, const std::string& group, const std::string& kind,
                   const std::string& uid) {
  Json d = Json::object();
  if (!name.empty()) d["name"] = name;
  if (!group.empty()) d["group"] = group;
  if (!kind.empty()) d["kind"] = kind;
  if (!uid.empty()) d["uid"] = uid;
  return d;
}

absl::Status ApiError(int code, const Json& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  absl::Status status(CanonicalCode(code), ChildString(body, "message"));
  status.SetPayload(kPayloadUrl, absl::Cord(WireDump(body)));
  if (!headers.empty()) {
    Json h = Json::array();
    for (const auto& [k, v] : headers) h.push_back(Json::array({k, v}));
    status.SetPayload(kHeaderPayloadUrl, absl::Cord(h.dump()));
  }
  return status;
}

WireError ToWireError(const absl::Status& status) {
  WireError out;
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    Json body = Json::parse(std::string(*payload), nullptr, false);
    if (body.is_object()) {
      out.body = std::move(body);
      const Json* code = Child(out.body, "code");
      out.code = code && code->is_number_integer() ? code->get<int>() : 500;
      if (auto headers = status.GetPayload(kHeaderPayloadUrl)) {
        Json h = Json::parse(std::string(*headers), nullptr, false);
        if (h.is_array()) {
          for (const auto& pair : h) {
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
              out.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
            }
          }
        }
      }
      return out;
    }
  }
  // A plain absl error is a bug or an unexpected failure inside the server.
  out.code = 500;
  std::string what(status.message());
  Json details = Json::object();
  details["causes"] = Json::array({Json{{"message", what}}});
  out.body = FailureStatus("Internal error occurred: " + what, "InternalError", details, 500);
  return out;
}

ApiResponse ErrorResponse(const absl::Status& status) {
  WireError e = ToWireError(status);
  ApiResponse r;
  r.status = e.code;
  r.headers = {{"Cache-Control", "no-cache, private"}, {"Content-Type", "application/json"}};
  for (auto& h : e.headers) r.headers.push_back(std::move(h));
  r.body = WireDump(e.body) + "\n";
  return r;
}

std::string QualifiedResource(const ResourceType& type) {
  return type.group.empty() ? type.resource : type.resource + "." + type.group;
}

std::string QualifiedKind(const std::string& kind, const std::string& group) {
  return group.empty() ? kind : kind + "." + group;
}

absl::Status NotFoundError(const ResourceType& type, const std::string& name) {
  return ApiError(404, FailureStatus(absl::StrCat(QualifiedResource(type), " \"", name, "\" not found"), "NotFound",
                                     StatusDetails(name, type.group, type.resource), 404));
}

absl::Status NamespaceNotFoundError(const std::string& name) {
  return ApiError(404, FailureStatus(absl::StrCat("namespaces \"", name, "\" not found"), "NotFound",
                                     StatusDetails(name, "", "namespaces"), 404));
}

absl::Status AlreadyExistsError(const ResourceType& type, const std::string& name) {
  return ApiError(409, FailureStatus(absl::StrCat(QualifiedResource(type), " \"", name, "\" already exists"),
                                     "AlreadyExists", StatusDetails(name, type.group, type.resource), 409));
}

absl::Status ConflictError(const ResourceType& type, const std::string& name, const std::string& why) {
  return ApiError(409, FailureStatus(absl::StrCat("Operation cannot be fulfilled on ", QualifiedResource(type), " \"",
                                                  name, "\": ", why),
                                     "Conflict", StatusDetails(name, type.group, type.resource), 409));
}

absl::Status StaleResourceVersionError(const ResourceType& type, const std::string& name) {
  return ConflictError(type, name,
                       "the object has been modified; please apply your changes to the latest version and try again");
}

absl::Status InvalidError(const std::string& kind, const std::string& group, const std::string& name,
                          const std::vector<FieldProblem>& problems) {
  std::vector<std::string> errors;
  Json causes = Json::array();
  for (const auto& p : problems) {
    errors.push_back(p.Error());
    Json cause = Json::object();
    cause["reason"] = p.CauseReason();
    cause["message"] = p.Body();
    cause["field"] = p.field;
    causes.push_back(std::move(cause));
  }
  std::string joined = errors.size() == 1 ? errors[0] : absl::StrCat("[", absl::StrJoin(errors, ", "), "]");
  Json details = StatusDetails(name, group, kind);
  details["causes"] = std::move(causes);
  return ApiError(422, FailureStatus(absl::StrCat(QualifiedKind(kind, group), " \"", name, "\" is invalid: ", joined),
                                     "Invalid", details, 422));
}

absl::Status BadRequestError(const std::string& message) {
  return ApiError(400, FailureStatus(message, "BadRequest", Json(), 400));
}

absl::Status ForbiddenError(const ResourceType& type, const std::string& name, const std::string& why) {
  return ApiError(403, FailureStatus(absl::StrCat(QualifiedResource(type), " \"", name, "\" is forbidden: ", why),
                                     "Forbidden", StatusDetails(name, type.group, type.resource), 403));
}

absl::Status MethodNotAllowedError() {
  return ApiError(405, FailureStatus("the server does not allow this method on the requested resource",
                                     "MethodNotAllowed", Json::object(), 405));
}

absl::Status UnsupportedMediaTypeError(const std::string& content_type) {
  return ApiError(415, FailureStatus(absl::StrCat("the body of the request was in an unknown format - accepted media "
                                                  "types include: application/json-patch+json, "
                                                  "application/merge-patch+json, application/apply-patch+yaml"),
                                     "UnsupportedMediaType", Json::object(), 415));
}

absl::Status ResourceNotFoundError() {
  return ApiError(404, FailureStatus("the server could not find the requested resource", "NotFound", Json::object(),
                                     404));
}

absl::Status ExpiredError(const std::string& message, const std::string& continue_token) {
  Json metadata = Json::object();
  if (!continue_token.empty()) metadata["continue"] = continue_token;
  return ApiError(410, FailureStatus(message, "Expired", Json(), 410, metadata));
}

absl::Status TooLargeResourceVersionError(int64_t requested, int64_t current) {
  Json details = Json::object();
  details["causes"] = Json::array({Json{{"reason", "ResourceVersionTooLarge"},
                                        {"message", absl::StrCat("Too large resource version")}}});
  details["retryAfterSeconds"] = 1;
  return ApiError(504,
                  FailureStatus(absl::StrCat("Timeout: Too large resource version: ", requested, ", current: ", current),
                                "Timeout", details, 504));
}

absl::Status TooManyRequestsError(int retry_after_seconds) {
  Json details = Json::object();
  details["retryAfterSeconds"] = retry_after_seconds;
  return ApiError(429,
                  FailureStatus("Too many requests, please try again later.", "TooManyRequests", details, 429),
                  {{"Retry-After", std::to_string(retry_after_seconds)}});
}

absl::Status InternalServerError(const std::string& what) {
  Json details = Json::object();
  details["causes"] = Json::array({Json{{"message", what}}});
  return ApiError(500, FailureStatus("Internal error occurred: " + what, "InternalError", details, 500));
}

absl::Status FaultError(int code, int retry_after_seconds) {
  switch (code) {
    case 429:
      return TooManyRequestsError(retry_after_seconds);
    case 503:
      return ApiError(503, FailureStatus("the server is currently unable to handle the request", "ServiceUnavailable",
                                         Json(), 503));
    case 504:
      return ApiError(504, FailureStatus("Timeout: request did not complete within the allotted timeout", "Timeout",
                                         Json(), 504));
    default:
      return code == 500 ? InternalServerError("injected fault")
                         : ApiError(code, FailureStatus("injected fault", "InternalError", Json(), code));
  }
}

absl::Status ResourceVersionOnCreateError() {
  return ApiError(500, FailureStatus("resourceVersion should not be set on objects to be created", "", Json(), 500));
}

absl::Status ApplyConflictError(const std::string& message, const std::vector<StatusCause>& causes) {
  Json c = Json::array();
  for (const auto& cause : causes) {
    Json j = Json::object();
    if (!cause.reason.empty()) j["reason"] = cause.reason;
    j["message"] = cause.message;
    if (!cause.field.empty()) j["field"] = cause.field;
    c.push_back(std::move(j));
  }
  Json details = Json::object();
  details["causes"] = std::move(c);
  return ApiError(409, FailureStatus(message, "Conflict", details, 409));
}

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

std::string GoValue(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return GoQuote(v.get<std::string>());
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.dump();
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
      return v.dump();
    }
    case Json::value_t::object:
      return "\"object\"";
    case Json::value_t::array:
      return "\"array\"";
    default:
      return "null";
  }
}

}  // namespace srfleet::kubesim
