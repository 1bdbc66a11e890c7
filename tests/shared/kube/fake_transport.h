// An HttpTransport whose answers a test scripts, to exercise the client's
// retry, error and watch logic without sockets.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "shared/kube/cancel.h"
#include "shared/kube/http_transport.h"

namespace srfleet::kube::testing {

inline HttpResult Respond(int code, std::string body, HttpHeaders headers = {}) {
  HttpResult r;
  r.status = absl::OkStatus();
  r.request_sent = true;
  r.response.status = code;
  r.response.headers = std::move(headers);
  r.response.body = std::move(body);
  return r;
}

inline HttpResult Fail(absl::Status status, bool sent) {
  HttpResult r;
  r.status = std::move(status);
  r.request_sent = sent;
  return r;
}

// A scripted stream: the body pieces handed to on_data, then the result.
struct StreamScript {
  std::vector<std::string> pieces;
  HttpResult result = Respond(200, "");
};

class FakeTransport : public HttpTransport {
 public:
  // Answers RoundTrip() in order; when the queue is empty, `fallback`.
  void Push(HttpResult r) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(r));
  }
  void PushStream(StreamScript s) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.push_back(std::move(s));
  }
  std::function<HttpResult(const HttpRequest&)> fallback = [](const HttpRequest&) {
    return Fail(absl::UnavailableError("no scripted answer"), false);
  };

  HttpResult RoundTrip(const HttpRequest& request, absl::Duration) override {
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (answers_.empty()) {
      lock.unlock();
      return fallback(request);
    }
    HttpResult r = std::move(answers_.front());
    answers_.pop_front();
    return r;
  }

  HttpResult Stream(const HttpRequest& request, absl::Duration, absl::Duration,
                    const std::function<void(std::string_view)>& on_data, const CancelToken& cancel) override {
    StreamScript script;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (streams_.empty()) return Fail(absl::UnavailableError("no scripted stream"), false);
      script = std::move(streams_.front());
      streams_.pop_front();
    }
    for (const std::string& piece : script.pieces) {
      if (cancel.cancelled()) return Fail(absl::CancelledError("cancelled"), true);
      // Error answers carry their body in the result, not through on_data.
      const bool error_answer = script.result.status.ok() && script.result.response.status / 100 != 2;
      if (!error_answer) on_data(piece);
    }
    if (cancel.cancelled()) return Fail(absl::CancelledError("cancelled"), true);
    return script.result;
  }

  TransportStats stats() const override { return {}; }
  void CloseIdleConnections() override {}

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<HttpResult> answers_;
  std::deque<StreamScript> streams_;
  std::vector<HttpRequest> requests_;
};

}  // namespace srfleet::kube::testing
