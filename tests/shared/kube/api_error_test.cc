// Status decoding (from real kube-apiserver captures when available), the
// absl code mapping, predicates, and the retry rules.
#include "shared/kube/api_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shared/kube/retry_policy.h"
#include "tests/shared/kube/wire_capture.h"

namespace srfleet::kube {
namespace {

using ::testing::HasSubstr;
using testing::LoadCapture;

#define LOAD_CAPTURE_OR_SKIP(var, name)                                                 \
  std::optional<testing::WireCapture> var = LoadCapture(name);                         \
  if (!var.has_value()) GTEST_SKIP() << "no capture " << name << " (reference folder ../shared missing)"

TEST(ApiErrorCaptureTest, NotFound) {
  LOAD_CAPTURE_OR_SKIP(c, "404-not-found-get-configmap.txt");
  const ApiError e = ApiErrorFromResponse(c->status, c->response_body);
  EXPECT_EQ(e.code, 404);
  EXPECT_EQ(e.reason, "NotFound");
  EXPECT_EQ(e.message, "configmaps \"does-not-exist\" not found");
  EXPECT_EQ(e.details_name, "does-not-exist");
  EXPECT_EQ(e.details_kind, "configmaps");
  const absl::Status s = ToStatus(e, "GET /api/v1/namespaces/default/configmaps/does-not-exist");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(kube::IsNotFound(s));
  EXPECT_FALSE(kube::IsConflict(s));
  EXPECT_EQ(s.message(),
            "GET /api/v1/namespaces/default/configmaps/does-not-exist: 404 NotFound: configmaps \"does-not-exist\" "
            "not found");
}

TEST(ApiErrorCaptureTest, AlreadyExistsVersusConflict) {
  LOAD_CAPTURE_OR_SKIP(exists, "409-alreadyexists-post-configmap.txt");
  LOAD_CAPTURE_OR_SKIP(stale, "409-conflict-put-stale-resourceversion.txt");
  const absl::Status a = ToStatus(ApiErrorFromResponse(exists->status, exists->response_body));
  EXPECT_EQ(a.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(kube::IsAlreadyExists(a));
  EXPECT_FALSE(kube::IsConflict(a));
  const absl::Status c = ToStatus(ApiErrorFromResponse(stale->status, stale->response_body));
  EXPECT_EQ(c.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(kube::IsConflict(c));
  EXPECT_FALSE(kube::IsAlreadyExists(c));
  EXPECT_THAT(std::string(c.message()), HasSubstr("the object has been modified"));
}

TEST(ApiErrorCaptureTest, ServerSideApplyConflictCauses) {
  LOAD_CAPTURE_OR_SKIP(c, "409-ssa-conflict-fieldmanager-b.txt");
  const absl::Status s = ToStatus(ApiErrorFromResponse(c->status, c->response_body));
  EXPECT_TRUE(kube::IsConflict(s));
  std::optional<ApiError> e = GetApiError(s);
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->causes.size(), 1u);
  EXPECT_EQ(e->causes[0].reason, "FieldManagerConflict");
  EXPECT_EQ(e->causes[0].message, "conflict with \"a\"");
  EXPECT_EQ(e->causes[0].field, ".data.key");
}

TEST(ApiErrorCaptureTest, InvalidWithFieldCauses) {
  LOAD_CAPTURE_OR_SKIP(c, "422-invalid-post-service-port0.txt");
  const absl::Status s = ToStatus(ApiErrorFromResponse(c->status, c->response_body));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(kube::IsInvalid(s));
  std::optional<ApiError> e = GetApiError(s);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->details_kind, "Service");
  EXPECT_EQ(e->details_name, "wire-invalid");
  ASSERT_EQ(e->causes.size(), 1u);
  EXPECT_EQ(e->causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(e->causes[0].field, "spec.ports[0].port");
}

TEST(ApiErrorCaptureTest, GoneForListsKeepsTheFreshContinueToken) {
  LOAD_CAPTURE_OR_SKIP(expired, "410-gone-list-continue-token-expired.txt");
  LOAD_CAPTURE_OR_SKIP(too_old, "410-gone-list-resourceversion-too-old.txt");
  const absl::Status s = ToStatus(ApiErrorFromResponse(expired->status, expired->response_body));
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(kube::IsGone(s));
  EXPECT_EQ(GetApiError(s)->reason, "Expired");
  EXPECT_FALSE(GetApiError(s)->continue_token.empty());
  EXPECT_TRUE(kube::IsGone(ToStatus(ApiErrorFromResponse(too_old->status, too_old->response_body))));
}

TEST(ApiErrorTest, SynthesisedFromANonStatusBody) {
  const ApiError e = ApiErrorFromResponse(503, "upstream connect error\n");
  EXPECT_EQ(e.code, 503);
  EXPECT_EQ(e.reason, "ServiceUnavailable");
  EXPECT_EQ(e.message, "upstream connect error");
  EXPECT_EQ(ApiErrorFromResponse(502, "").message, "the server responded with HTTP 502");
}

ApiError E(int code, const std::string& reason) {
  ApiError e;
  e.code = code;
  e.reason = reason;
  return e;
}

TEST(ApiErrorTest, CodeMapping) {
  const std::vector<std::pair<ApiError, absl::StatusCode>> cases = {
      {E(400, "BadRequest"), absl::StatusCode::kInvalidArgument},
      {E(401, "Unauthorized"), absl::StatusCode::kUnauthenticated},
      {E(403, "Forbidden"), absl::StatusCode::kPermissionDenied},
      {E(404, "NotFound"), absl::StatusCode::kNotFound},
      {E(405, "MethodNotAllowed"), absl::StatusCode::kUnimplemented},
      {E(409, "AlreadyExists"), absl::StatusCode::kAlreadyExists},
      {E(409, "Conflict"), absl::StatusCode::kAborted},
      {E(410, "Expired"), absl::StatusCode::kOutOfRange},
      {E(410, "Gone"), absl::StatusCode::kOutOfRange},
      {E(422, "Invalid"), absl::StatusCode::kInvalidArgument},
      {E(429, "TooManyRequests"), absl::StatusCode::kResourceExhausted},
      {E(500, "InternalError"), absl::StatusCode::kInternal},
      {E(503, "ServiceUnavailable"), absl::StatusCode::kUnavailable},
      {E(504, "Timeout"), absl::StatusCode::kUnavailable},
      {E(418, "Teapot"), absl::StatusCode::kFailedPrecondition},
  };
  for (const auto& [error, code] : cases) EXPECT_EQ(StatusCodeFor(error), code) << error.code << " " << error.reason;
}

TEST(ApiErrorTest, PayloadRoundTripsAndPlainStatusesHaveNone) {
  ApiError e{429, "TooManyRequests", "slow down", {{"r", "m", "f"}}, "n", "k", 7, ""};
  std::optional<ApiError> back = GetApiError(ToStatus(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->code, 429);
  EXPECT_EQ(back->retry_after_seconds, 7);
  EXPECT_EQ(back->causes.size(), 1u);
  EXPECT_TRUE(kube::IsTooManyRequests(ToStatus(e)));
  // A transport failure with the same absl code is no API error.
  EXPECT_FALSE(GetApiError(absl::NotFoundError("x")).has_value());
  EXPECT_FALSE(kube::IsNotFound(absl::NotFoundError("x")));
}

HttpResult Answer(int code, std::string body = "", HttpHeaders headers = {}) {
  HttpResult r;
  r.request_sent = true;
  r.response.status = code;
  r.response.body = std::move(body);
  r.response.headers = std::move(headers);
  return r;
}

HttpResult Lost(bool sent) {
  HttpResult r;
  r.status = absl::UnavailableError("connection reset");
  r.request_sent = sent;
  return r;
}

constexpr char kStatus500[] = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"InternalError","code":500})";

TEST(RetryPolicyTest, IdempotentVerbsRetryOnConnectionLossAnd5xx) {
  EXPECT_TRUE(ShouldRetry(true, Lost(true)));
  EXPECT_TRUE(ShouldRetry(true, Answer(500)));
  EXPECT_TRUE(ShouldRetry(true, Answer(502)));
  EXPECT_TRUE(ShouldRetry(true, Answer(503)));
  EXPECT_TRUE(ShouldRetry(true, Answer(504)));
  EXPECT_TRUE(ShouldRetry(true, Answer(429)));
}

TEST(RetryPolicyTest, WritesRetryOnlyWhenTheServerCannotHaveAppliedThem) {
  EXPECT_TRUE(ShouldRetry(false, Lost(false)));   // never sent
  EXPECT_FALSE(ShouldRetry(false, Lost(true)));   // sent, answer lost
  EXPECT_TRUE(ShouldRetry(false, Answer(429)));
  EXPECT_TRUE(ShouldRetry(false, Answer(500, kStatus500)));
  EXPECT_TRUE(ShouldRetry(false, Answer(503, kStatus500)));
  EXPECT_FALSE(ShouldRetry(false, Answer(500, "proxy error")));
  EXPECT_FALSE(ShouldRetry(false, Answer(502, kStatus500)));
  EXPECT_FALSE(ShouldRetry(false, Answer(504, kStatus500)));
}

TEST(RetryPolicyTest, NeverOtherClientErrorsOrCancellation) {
  for (int code : {400, 401, 403, 404, 409, 410, 422}) {
    EXPECT_FALSE(ShouldRetry(true, Answer(code))) << code;
    EXPECT_FALSE(ShouldRetry(false, Answer(code))) << code;
  }
  HttpResult cancelled;
  cancelled.status = absl::CancelledError("x");
  EXPECT_FALSE(ShouldRetry(true, cancelled));
  HttpResult untrusted;
  untrusted.status = absl::FailedPreconditionError("certificate verification failed");
  EXPECT_FALSE(ShouldRetry(true, untrusted));
  HttpResult timed_out;
  timed_out.status = absl::DeadlineExceededError("timed out");
  timed_out.request_sent = true;
  EXPECT_TRUE(ShouldRetry(true, timed_out));
  EXPECT_FALSE(ShouldRetry(false, timed_out));
}

TEST(RetryPolicyTest, RetryAfterSecondsOrStatusDetails) {
  EXPECT_EQ(RetryAfter(Answer(429, "", {{"Retry-After", "3"}}).response), absl::Seconds(3));
  EXPECT_EQ(RetryAfter(Answer(429, "", {{"retry-after", "0"}}).response), absl::ZeroDuration());
  EXPECT_FALSE(RetryAfter(Answer(429, "", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}).response).has_value());
  EXPECT_FALSE(RetryAfter(Answer(500).response).has_value());
  EXPECT_EQ(RetryAfter(Answer(429, R"({"kind":"Status","code":429,"details":{"retryAfterSeconds":2}})").response),
            absl::Seconds(2));
}

}  // namespace
}  // namespace srfleet::kube
