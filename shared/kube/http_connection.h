// Internal: one keep-alive HTTP/1.1 connection (TCP or TLS). Each connection
// owns its own io_context, driven by the one thread that uses it at a time,
// so blocking calls get Beast's timeouts without a background I/O thread.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/kube/http_transport.h"
#include "shared/kube/url.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace srfleet::kube::internal {

class HttpConnection {
 public:
  // Resolves, connects and (with `tls`) handshakes, verifying the server as
  // `verify_name` (host name or IP literal) unless verification is off.
  static absl::StatusOr<std::unique_ptr<HttpConnection>> Open(const ServerUrl& url,
                                                             std::shared_ptr<boost::asio::ssl::context> tls,
                                                             const std::string& verify_name, bool verify,
                                                             absl::Time deadline);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  struct Impl;
  // Use Open(); public only for std::make_unique.
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpResult RoundTrip(const HttpRequest& request, absl::Time deadline);
  HttpResult Stream(const HttpRequest& request, absl::Time header_deadline, absl::Duration idle_timeout,
                    const std::function<void(std::string_view)>& on_data, const CancelToken& cancel);

  // The last exchange completed and the server allows another one.
  bool reusable() const;
  // Some response bytes arrived during the last exchange (a failure before
  // that on a reused connection usually means the server closed it idle).
  bool received_response_bytes() const;
  // For a pooled idle connection: false when the peer has closed it (or sent
  // something unexpected), checked without blocking.
  bool LooksAlive() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::kube::internal
