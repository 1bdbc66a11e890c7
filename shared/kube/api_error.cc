#include "shared/kube/api_error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace srfleet::kube {
namespace {

constexpr char kPayloadUrl[] = "type.srfleet.dev/kube.ApiError";

std::string StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The reason the API server would have used, for bodies that are no Status.
std::string ReasonForCode(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

}  // namespace

Json ApiError::ToStatusJson() const {
  Json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!continue_token.empty()) status["metadata"]["continue"] = continue_token;
  Json details = Json::object();
  if (!details_name.empty()) details["name"] = details_name;
  if (!details_kind.empty()) details["kind"] = details_kind;
  if (!causes.empty()) {
    Json list = Json::array();
    for (const Cause& c : causes) list.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
    details["causes"] = std::move(list);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) status["details"] = std::move(details);
  status["code"] = code;
  return status;
}

std::optional<ApiError> ParseStatus(const Json& object) {
  if (!object.is_object() || StringField(object, "kind") != "Status") return std::nullopt;
  ApiError e;
  if (auto it = object.find("code"); it != object.end() && it->is_number_integer()) e.code = it->get<int>();
  e.reason = StringField(object, "reason");
  e.message = StringField(object, "message");
  if (auto md = object.find("metadata"); md != object.end() && md->is_object()) {
    e.continue_token = StringField(*md, "continue");
  }
  if (auto d = object.find("details"); d != object.end() && d->is_object()) {
    e.details_name = StringField(*d, "name");
    e.details_kind = StringField(*d, "kind");
    if (auto ra = d->find("retryAfterSeconds"); ra != d->end() && ra->is_number_integer()) {
      e.retry_after_seconds = ra->get<int>();
    }
    if (auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
      for (const Json& c : *causes) {
        if (!c.is_object()) continue;
        e.causes.push_back({StringField(c, "reason"), StringField(c, "message"), StringField(c, "field")});
      }
    }
  }
  return e;
}

ApiError ApiErrorFromResponse(int http_code, std::string_view body) {
  const Json parsed = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (std::optional<ApiError> e = ParseStatus(parsed)) {
    if (e->code == 0) e->code = http_code;
    if (e->reason.empty()) e->reason = ReasonForCode(e->code);
    return *std::move(e);
  }
  ApiError e;
  e.code = http_code;
  e.reason = ReasonForCode(http_code);
  constexpr size_t kMaxMessage = 512;
  std::string text(body.substr(0, kMaxMessage));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  e.message = text.empty() ? absl::StrCat("the server responded with HTTP ", http_code) : text;
  return e;
}

absl::StatusCode StatusCodeFor(const ApiError& error) {
  switch (error.code) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405: return absl::StatusCode::kUnimplemented;
    case 409:
      return error.reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists : absl::StatusCode::kAborted;
    case 410: return absl::StatusCode::kOutOfRange;
    case 413:
    case 415:
    case 422: return absl::StatusCode::kInvalidArgument;
    case 429: return absl::StatusCode::kResourceExhausted;
    case 500: return absl::StatusCode::kInternal;
    case 501: return absl::StatusCode::kUnimplemented;
    default:
      if (error.code >= 500) return absl::StatusCode::kUnavailable;
      return absl::StatusCode::kFailedPrecondition;
  }
}

absl::Status ToStatus(const ApiError& error, std::string_view context) {
  std::string message = absl::StrCat(error.code, " ", error.reason, ": ", error.message);
  if (!context.empty()) message = absl::StrCat(std::string(context), ": ", message);
  absl::Status status(StatusCodeFor(error), message);
  status.SetPayload(kPayloadUrl, absl::Cord(error.ToStatusJson().dump()));
  return status;
}

std::optional<ApiError> GetApiError(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);  // absl::optional in this abseil
  if (!payload.has_value()) return std::nullopt;
  const std::string text(*payload);
  return ParseStatus(Json::parse(text, nullptr, /*allow_exceptions=*/false));
}

namespace {
bool HasCode(const absl::Status& status, int code) {
  std::optional<ApiError> e = GetApiError(status);
  return e.has_value() && e->code == code;
}
}  // namespace

bool IsNotFound(const absl::Status& status) { return HasCode(status, 404); }

bool IsAlreadyExists(const absl::Status& status) {
  std::optional<ApiError> e = GetApiError(status);
  return e.has_value() && e->code == 409 && e->reason == "AlreadyExists";
}

bool IsConflict(const absl::Status& status) {
  std::optional<ApiError> e = GetApiError(status);
  return e.has_value() && e->code == 409 && e->reason != "AlreadyExists";
}

bool IsGone(const absl::Status& status) {
  std::optional<ApiError> e = GetApiError(status);
  return e.has_value() && (e->code == 410 || e->reason == "Expired" || e->reason == "Gone");
}

bool IsInvalid(const absl::Status& status) {
  std::optional<ApiError> e = GetApiError(status);
  return e.has_value() && (e->code == 422 || e->reason == "Invalid");
}

bool IsTooManyRequests(const absl::Status& status) { return HasCode(status, 429); }
bool IsForbidden(const absl::Status& status) { return HasCode(status, 403); }
bool IsUnauthorized(const absl::Status& status) { return HasCode(status, 401); }

}  // namespace srfleet::kube
