// The connection pool behind HttpTransport. Connections are taken by one
// caller at a time, so concurrent callers simply get separate connections;
// finished keep-alive connections go back to a LIFO idle list.
#include "shared/kube/http_transport.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "shared/kube/cancel.h"
#include "shared/kube/http_connection.h"
#include "shared/kube/tls_context.h"
#include "shared/kube/url.h"

namespace srfleet::kube {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return absl::ascii_tolower(static_cast<unsigned char>(a)) == absl::ascii_tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

namespace {

using internal::HttpConnection;

// Methods a stale pooled connection may transparently resend (as Go's
// net/http does): the server cannot have acted on them.
bool IsReplayable(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

absl::Time DeadlineAfter(absl::Duration timeout) {
  return timeout > absl::ZeroDuration() ? absl::Now() + timeout : absl::InfiniteFuture();
}

class PooledTransport final : public HttpTransport {
 public:
  PooledTransport(ServerUrl url, std::shared_ptr<boost::asio::ssl::context> tls, std::string verify_name,
                  bool verify, TransportOptions options)
      : url_(std::move(url)),
        tls_(std::move(tls)),
        verify_name_(std::move(verify_name)),
        verify_(verify),
        options_(options) {}

  HttpResult RoundTrip(const HttpRequest& request, absl::Duration timeout) override {
    const absl::Time deadline = DeadlineAfter(timeout);
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      absl::StatusOr<std::unique_ptr<HttpConnection>> conn = Acquire(deadline, &reused);
      if (!conn.ok()) return HttpResult{conn.status(), false, {}};
      HttpResult result = (*conn)->RoundTrip(request, deadline);
      if (ShouldResend(result, **conn, reused, attempt, request.method)) continue;
      if (result.status.ok() && (*conn)->reusable()) Release(*std::move(conn));
      return result;
    }
  }

  HttpResult Stream(const HttpRequest& request, absl::Duration header_timeout, absl::Duration idle_timeout,
                    const std::function<void(std::string_view)>& on_data, const CancelToken& cancel) override {
    const absl::Time deadline = DeadlineAfter(header_timeout);
    for (int attempt = 0;; ++attempt) {
      if (cancel.cancelled()) return HttpResult{absl::CancelledError("cancelled"), false, {}};
      bool reused = false;
      absl::StatusOr<std::unique_ptr<HttpConnection>> conn = Acquire(deadline, &reused);
      if (!conn.ok()) return HttpResult{conn.status(), false, {}};
      HttpResult result = (*conn)->Stream(request, deadline, idle_timeout, on_data, cancel);
      if (ShouldResend(result, **conn, reused, attempt, request.method)) continue;
      if (result.status.ok() && (*conn)->reusable()) Release(*std::move(conn));
      return result;
    }
  }

  TransportStats stats() const override {
    TransportStats s;
    s.connections_opened = opened_.load();
    s.requests = requests_.load();
    s.reused = reused_.load();
    return s;
  }

  void CloseIdleConnections() override {
    std::vector<Idle> doomed;
    {
      absl::MutexLock lock(&mu_);
      doomed.swap(idle_);
    }
  }

 private:
  struct Idle {
    std::unique_ptr<HttpConnection> conn;
    absl::Time since;
  };

  // A pooled connection that failed before any response byte was most
  // likely closed by the server while idle: resend once on a fresh one when
  // that is safe.
  bool ShouldResend(const HttpResult& result, const HttpConnection& conn, bool reused, int attempt,
                    const std::string& method) const {
    if (result.status.ok() || !reused || attempt > 0 || conn.received_response_bytes()) return false;
    if (result.status.code() == absl::StatusCode::kCancelled ||
        result.status.code() == absl::StatusCode::kDeadlineExceeded) {
      return false;
    }
    return !result.request_sent || IsReplayable(method);
  }

  absl::StatusOr<std::unique_ptr<HttpConnection>> Acquire(absl::Time deadline, bool* reused) {
    ++requests_;
    std::vector<Idle> doomed;  // closed outside the lock
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      while (!idle_.empty()) {
        Idle candidate = std::move(idle_.back());
        idle_.pop_back();
        if (now - candidate.since < options_.max_idle_time && candidate.conn->LooksAlive()) {
          *reused = true;
          ++reused_;
          return std::move(candidate.conn);
        }
        doomed.push_back(std::move(candidate));
      }
    }
    ++opened_;
    return HttpConnection::Open(url_, tls_, verify_name_, verify_, deadline);
  }

  void Release(std::unique_ptr<HttpConnection> conn) {
    std::unique_ptr<HttpConnection> doomed;
    absl::MutexLock lock(&mu_);
    if (idle_.size() >= options_.max_idle_connections) {
      doomed = std::move(idle_.front().conn);  // drop the oldest
      idle_.erase(idle_.begin());
    }
    idle_.push_back(Idle{std::move(conn), absl::Now()});
  }

  const ServerUrl url_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::string verify_name_;
  const bool verify_;
  const TransportOptions options_;
  absl::Mutex mu_;
  std::vector<Idle> idle_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> opened_{0}, requests_{0}, reused_{0};
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpTransport>> MakeHttpTransport(const RestConfig& config,
                                                                 const TransportOptions& options) {
  absl::StatusOr<ServerUrl> url = ParseServerUrl(config.server);
  if (!url.ok()) return url.status();
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (url->tls()) {
    absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> ctx = internal::MakeTlsContext(config);
    if (!ctx.ok()) return ctx.status();
    tls = *std::move(ctx);
  }
  std::string verify_name = config.tls_server_name.empty() ? url->host : config.tls_server_name;
  return std::make_unique<PooledTransport>(*std::move(url), std::move(tls), std::move(verify_name),
                                           !config.insecure_skip_tls_verify, options);
}

}  // namespace srfleet::kube
