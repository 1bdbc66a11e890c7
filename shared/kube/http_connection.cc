// The only translation unit that includes Boost.Beast: one HTTP/1.1
// connection driven synchronously through its own io_context, so that every
// step has a deadline (Beast's tcp_stream timeouts) and can be interrupted
// from another thread (a post() that closes the socket).
#include "shared/kube/http_connection.h"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"
#include "shared/kube/cancel.h"

namespace srfleet::kube::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr size_t kStreamBuffer = 64 * 1024;
// Bodies of non-2xx answers to a stream are Status objects; cap what we keep.
constexpr size_t kMaxErrorBody = 1024 * 1024;

bool IsEof(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == ssl::error::stream_truncated ||
         ec == http::error::partial_message;
}

}  // namespace

struct HttpConnection::Impl {
  asio::io_context ioc{1};
  ServerUrl url;
  std::shared_ptr<ssl::context> tls_ctx;  // shared by all connections of a transport
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool reusable = false;
  bool got_bytes = false;
  std::atomic<bool> interrupted{false};

  beast::tcp_stream& Lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  const beast::tcp_stream& Lowest() const { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  template <class Fn>
  void WithStream(Fn&& fn) {
    if (secure) {
      fn(*secure);
    } else {
      fn(*plain);
    }
  }

  // Runs the io_context until the operation just started has completed.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  // False when the deadline has already passed.
  bool SetDeadline(absl::Time deadline) {
    if (deadline == absl::InfiniteFuture()) {
      Lowest().expires_never();
      return true;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    SetTimeout(left);
    return true;
  }

  void SetTimeout(absl::Duration d) {
    if (d <= absl::ZeroDuration() || d > absl::Hours(24 * 365)) {
      Lowest().expires_never();
    } else {
      Lowest().expires_after(std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d)));
    }
  }

  // No TLS close_notify exchange: a synchronous SSL shutdown waits for the
  // peer's answer and can hang; the API server copes with a plain close.
  void CloseSocket() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().socket().close(ec);
    reusable = false;
  }

  absl::Status IoError(const std::string& what, const beast::error_code& ec) const {
    if (interrupted.load()) return absl::CancelledError(absl::StrCat(what, ": cancelled"));
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(absl::StrCat(what, " (", url.HostHeader(), "): timed out"));
    }
    if (IsEof(ec)) return absl::UnavailableError(absl::StrCat(what, " (", url.HostHeader(), "): connection closed by the server"));
    return absl::UnavailableError(absl::StrCat(what, " (", url.HostHeader(), "): ", ec.message()));
  }

  absl::Status Handshake(const std::string& verify_name, bool verify, absl::Time deadline) {
    // SNI carries names only (RFC 6066 forbids IP literals).
    if (!IsIpLiteral(verify_name) && SSL_set_tlsext_host_name(secure->native_handle(), verify_name.c_str()) != 1) {
      return absl::InternalError("TLS: cannot set SNI");
    }
    if (verify) secure->set_verify_callback(ssl::host_name_verification(verify_name));
    if (!SetDeadline(deadline)) return absl::DeadlineExceededError("TLS handshake: deadline exceeded");
    beast::error_code ec;
    secure->async_handshake(ssl::stream_base::client, [&](const beast::error_code& e) { ec = e; });
    Run();
    if (!ec) return absl::OkStatus();
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(absl::StrCat("TLS handshake with ", url.HostHeader(), ": timed out"));
    }
    // An untrusted server (wrong CA, name mismatch) is a configuration
    // problem, not a transient one: FailedPrecondition is not retried.
    const long verify_result = SSL_get_verify_result(secure->native_handle());
    if (verify && verify_result != X509_V_OK) {
      return absl::FailedPreconditionError(absl::StrCat("TLS handshake with ", url.HostHeader(),
                                                        ": certificate verification failed: ",
                                                        X509_verify_cert_error_string(verify_result)));
    }
    return absl::UnavailableError(absl::StrCat("TLS handshake with ", url.HostHeader(), " failed: ", ec.message()));
  }

  // Writes the request; false (with result.status set) on failure.
  bool Send(const HttpRequest& request, HttpResult& result) {
    http::request<http::span_body<const char>> req;
    req.version(11);
    req.method_string(request.method);
    req.target(url.path_prefix + request.target);
    req.set(http::field::host, url.HostHeader());
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = http::span_body<const char>::value_type(request.body.data(), request.body.size());
    req.keep_alive(true);
    req.prepare_payload();
    beast::error_code ec;
    WithStream([&](auto& s) { http::async_write(s, req, [&](const beast::error_code& e, size_t) { ec = e; }); });
    Run();
    if (ec) {
      CloseSocket();
      // A failed write never delivered a complete request.
      result.request_sent = false;
      result.status = IoError("sending the request", ec);
      return false;
    }
    result.request_sent = true;
    return true;
  }

  template <class Parser>
  void CopyHead(const Parser& parser, HttpResponse& response) {
    const auto& msg = parser.get();
    response.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
};

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpConnection::~HttpConnection() {
  if (impl_) impl_->CloseSocket();
}

absl::StatusOr<std::unique_ptr<HttpConnection>> HttpConnection::Open(const ServerUrl& url,
                                                                   std::shared_ptr<ssl::context> tls,
                                                                   const std::string& verify_name, bool verify,
                                                                   absl::Time deadline) {
  auto impl = std::make_unique<Impl>();
  impl->url = url;
  impl->tls_ctx = std::move(tls);

  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  tcp::resolver resolver(impl->ioc);
  resolver.async_resolve(url.host, std::to_string(url.port),
                         [&](const beast::error_code& e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                         });
  impl->Run();
  if (ec) return absl::UnavailableError(absl::StrCat("cannot resolve ", url.host, ": ", ec.message()));

  if (impl->tls_ctx) {
    impl->secure.emplace(impl->ioc, *impl->tls_ctx);
  } else {
    impl->plain.emplace(impl->ioc);
  }
  if (!impl->SetDeadline(deadline)) return absl::DeadlineExceededError("connect: deadline exceeded");
  impl->Lowest().async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  impl->Run();
  if (ec) {
    if (ec == beast::error::timeout) {
      return absl::DeadlineExceededError(absl::StrCat("connect to ", url.HostHeader(), ": timed out"));
    }
    return absl::UnavailableError(absl::StrCat("connect to ", url.HostHeader(), ": ", ec.message()));
  }
  impl->Lowest().socket().set_option(tcp::no_delay(true), ec);
  impl->Lowest().socket().set_option(asio::socket_base::keep_alive(true), ec);

  if (impl->secure) {
    if (absl::Status s = impl->Handshake(verify_name, verify, deadline); !s.ok()) return s;
  }
  return std::make_unique<HttpConnection>(std::move(impl));
}

HttpResult HttpConnection::RoundTrip(const HttpRequest& request, absl::Time deadline) {
  Impl& c = *impl_;
  HttpResult result;
  c.reusable = false;
  c.got_bytes = false;
  if (!c.SetDeadline(deadline)) {
    result.status = absl::DeadlineExceededError("timed out before sending");
    return result;
  }
  if (!c.Send(request, result)) return result;

  http::response_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(boost::none);  // large lists are legitimate
  beast::error_code ec;
  c.WithStream([&](auto& s) { http::async_read(s, c.buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; }); });
  c.Run();
  c.got_bytes = parser.got_some();
  if (ec && !(IsEof(ec) && parser.is_done())) {
    c.CloseSocket();
    result.status = c.IoError("reading the response", ec);
    return result;
  }
  c.CopyHead(parser, result.response);
  const bool keep_alive = parser.get().keep_alive() && !parser.need_eof() && !ec;
  result.response.body = std::move(parser.get().body());
  c.reusable = keep_alive && c.buffer.size() == 0;
  if (!c.reusable) c.CloseSocket();
  return result;
}

HttpResult HttpConnection::Stream(const HttpRequest& request, absl::Time header_deadline,
                                  absl::Duration idle_timeout, const std::function<void(std::string_view)>& on_data,
                                  const CancelToken& cancel) {
  Impl& c = *impl_;
  HttpResult result;
  c.reusable = false;
  c.got_bytes = false;
  // Cancellation from another thread: the close runs on this connection's
  // io_context, i.e. inside our own Run(), and aborts the pending read.
  Impl* impl = impl_.get();
  CancelToken::Registration registration = cancel.OnCancel([impl] {
    impl->interrupted.store(true);
    asio::post(impl->ioc, [impl] { impl->CloseSocket(); });
  });
  if (c.interrupted.load()) {
    result.status = absl::CancelledError("cancelled");
    return result;
  }
  if (!c.SetDeadline(header_deadline)) {
    result.status = absl::DeadlineExceededError("timed out before sending");
    return result;
  }
  if (!c.Send(request, result)) return result;

  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(boost::none);  // a watch body is unbounded
  beast::error_code ec;
  c.WithStream([&](auto& s) { http::async_read_header(s, c.buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; }); });
  c.Run();
  c.got_bytes = parser.got_some();
  if (ec) {
    c.CloseSocket();
    result.status = c.IoError("reading the response", ec);
    return result;
  }
  c.CopyHead(parser, result.response);
  const bool success = result.response.status / 100 == 2;
  std::vector<char> buf(kStreamBuffer);
  // Error answers (a Status) are short: give them a fixed time to arrive.
  c.SetTimeout(success ? idle_timeout : absl::Seconds(30));
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    ec = {};
    c.WithStream([&](auto& s) { http::async_read_some(s, c.buffer, parser, [&](const beast::error_code& e, size_t) { ec = e; }); });
    c.Run();
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = buf.size() - parser.get().body().size;
    if (n > 0) {
      if (success) {
        on_data(std::string_view(buf.data(), n));
      } else if (result.response.body.size() < kMaxErrorBody) {
        result.response.body.append(buf.data(), n);
      }
    }
    if (ec) break;
    if (success) c.SetTimeout(idle_timeout);  // the idle timer restarts with each read
  }
  if (ec && !(IsEof(ec) && parser.is_done())) {
    c.CloseSocket();
    // A failed error body still leaves a usable status code.
    if (!success && result.response.status != 0) return result;
    result.status = c.IoError("reading the stream", ec);
    return result;
  }
  c.reusable = parser.get().keep_alive() && !parser.need_eof() && !ec && c.buffer.size() == 0 && !c.interrupted.load();
  if (!c.reusable) c.CloseSocket();
  return result;
}

bool HttpConnection::reusable() const { return impl_->reusable && !impl_->interrupted.load(); }

bool HttpConnection::received_response_bytes() const { return impl_->got_bytes; }

bool HttpConnection::LooksAlive() const {
  const Impl& c = *impl_;
  if (!c.Lowest().socket().is_open()) return false;
  pollfd pfd{};
  pfd.fd = const_cast<Impl&>(c).Lowest().socket().native_handle();
  pfd.events = POLLIN;
  // Readable while idle means EOF (the server closed it) or stray bytes:
  // either way the connection cannot carry a new exchange.
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace srfleet::kube::internal
