// HTTP/1.1 to one API server over TCP or TLS, with a keep-alive connection
// pool. The interface hides Boost.Beast/Asio/OpenSSL (they live in
// http_transport.cc and http_connection.cc), and tests substitute fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/kube/rest_config.h"

namespace srfleet::kube {

class CancelToken;

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string target;  // path and query, without the server's path prefix
  HttpHeaders headers;  // Host, Content-Length are added by the transport
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  // The first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// The outcome of one exchange. `status` describes the transport only: it is
// OK whenever an HTTP response (of any code) arrived.
struct HttpResult {
  absl::Status status;
  // False when the request certainly did not reach the server (connect, TLS
  // handshake or write failed), so that even a non-idempotent request may be
  // retried.
  bool request_sent = false;
  HttpResponse response;
};

struct TransportStats {
  int64_t connections_opened = 0;
  int64_t requests = 0;
  int64_t reused = 0;  // requests that went over a pooled keep-alive connection
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // One request/response; `timeout` bounds the whole exchange (connect
  // included). Thread-safe: concurrent callers use separate connections.
  virtual HttpResult RoundTrip(const HttpRequest& request, absl::Duration timeout) = 0;

  // A request whose 2xx response body is handed to `on_data` as it arrives
  // (chunk and read boundaries are arbitrary; response.body stays empty).
  // Other responses are read whole into response.body. Returns when the body
  // ends (status OK), the connection fails or stalls for `idle_timeout`
  // (Unavailable / DeadlineExceeded), or `cancel` fires (Cancelled).
  // `header_timeout` bounds the time until the response headers.
  virtual HttpResult Stream(const HttpRequest& request, absl::Duration header_timeout,
                            absl::Duration idle_timeout, const std::function<void(std::string_view)>& on_data,
                            const CancelToken& cancel) = 0;

  virtual TransportStats stats() const = 0;
  // Closes pooled idle connections (e.g. after a server restart).
  virtual void CloseIdleConnections() = 0;
};

struct TransportOptions {
  size_t max_idle_connections = 32;
  // Idle connections older than this are closed instead of reused; below
  // the usual server/load-balancer idle timeouts.
  absl::Duration max_idle_time = absl::Seconds(60);
};

// TLS when the server URL is https: verification against config.ca_pem (or
// the system store), SNI, host name or IP-SAN check, optional client
// certificate. Fails on an unparsable URL or bad PEM data.
absl::StatusOr<std::unique_ptr<HttpTransport>> MakeHttpTransport(const RestConfig& config,
                                                                 const TransportOptions& options = {});

}  // namespace srfleet::kube
