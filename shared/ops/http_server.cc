// HttpServer over Boost.Beast: one io_context on one thread, async accept and
// one keep-alive session per connection. No BOOST_ASIO_* macros are defined
// here (they must match every other Asio user in the binary; see
// shared/kube/README.md).
#include "shared/ops/http_server.h"

#include <charconv>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

namespace srfleet::ops {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A client that sends nothing for this long is dropped (slowloris, or an
// idle keep-alive connection of a scraper that went away).
constexpr std::chrono::seconds kIdleTimeout{30};

HttpResponse Dispatch(const HttpRoutes& routes, const http::request<http::string_body>& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    return HttpResponse{405, "text/plain; charset=utf-8", "method not allowed\n"};
  }
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  auto it = routes.find(std::string(target));
  if (it == routes.end()) return HttpResponse{404, "text/plain; charset=utf-8", "not found\n"};
  try {
    return it->second();
  } catch (const std::exception& e) {
    return HttpResponse{500, "text/plain; charset=utf-8", absl::StrCat("internal error: ", e.what(), "\n")};
  } catch (...) {
    return HttpResponse{500, "text/plain; charset=utf-8", "internal error\n"};
  }
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const HttpRoutes> routes, int max_body_bytes)
      : stream_(std::move(socket)), routes_(std::move(routes)), max_body_bytes_(max_body_bytes) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(max_body_bytes_));
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void Close() {
    beast::error_code ignored;
    if (!stream_.socket().is_open()) return;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) {
      Close();  // end of stream, timeout, malformed request: nothing to answer
      return;
    }
    const http::request<http::string_body>& request = parser_->get();
    HttpResponse answer = Dispatch(*routes_, request);
    response_ = {};
    response_.version(request.version());
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::server, "srfleet");
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.keep_alive(request.keep_alive());
    response_.body() = std::move(answer.body);
    response_.prepare_payload();
    // HEAD: same headers (Content-Length included), no body on the wire.
    if (request.method() == http::verb::head) response_.body().clear();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code write_ec, size_t) {
      self->OnWrite(write_ec);
    });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !response_.keep_alive()) {
      Close();
      return;
    }
    Read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<const HttpRoutes> routes_;
  const int max_body_bytes_;
};

}  // namespace

struct HttpServer::Impl {
  // Declared first: destroyed last, after the acceptor; destroying it
  // destroys pending handlers and with them the sessions they keep alive.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::shared_ptr<const HttpRoutes> routes;
  int max_body_bytes = 0;
  std::string host;
  int port = 0;
  std::thread thread;
  // Open sessions, so that Stop() can close them (only touched on the server
  // thread, or after it was joined).
  std::vector<std::weak_ptr<Session>> sessions;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      // Other accept errors (EMFILE, a reset handshake) affect one client:
      // keep listening.
      if (!ec) {
        auto session = std::make_shared<Session>(std::move(socket), routes, max_body_bytes);
        std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
        sessions.push_back(session);
        session->Read();
      }
      Accept();
    });
  }
};

absl::StatusOr<HttpServerOptions> ParseBindAddress(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("bind address \"", std::string(address), "\": want host:port"));
  }
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  int port = -1;
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (err != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bind address \"", std::string(address), "\": bad port"));
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  HttpServerOptions options;
  options.host = host.empty() ? "0.0.0.0" : std::string(host);
  options.port = port;
  return options;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options, HttpRoutes routes) {
  auto impl = std::make_unique<Impl>();
  impl->routes = std::make_shared<const HttpRoutes>(std::move(routes));
  impl->max_body_bytes = options.max_body_bytes;
  const std::string where = absl::StrCat(options.host, ":", options.port);

  beast::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return absl::UnavailableError(absl::StrCat("http server: resolve ", where, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](const char* step) {
    return absl::UnavailableError(absl::StrCat("http server: ", step, " ", where, ": ", ec.message()));
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  // A restarted process must not wait for the old socket's TIME_WAIT.
  if (impl->acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("reuse_address");
  if (impl->acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (impl->acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const tcp::endpoint bound = impl->acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint");
  impl->port = bound.port();
  impl->host = bound.address().is_v6() ? absl::StrCat("[", bound.address().to_string(), "]") : bound.address().to_string();

  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

std::string HttpServer::Url() const { return absl::StrCat("http://", impl_->host, ":", impl_->port); }

void HttpServer::Stop() {
  // Stopping the io_context abandons every pending operation at once; the
  // sockets close when ~Impl destroys the handlers that own them.
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Nothing runs on the io_context any more: safe to close from here, so
  // that clients see the connection end now rather than at destruction.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const std::weak_ptr<Session>& weak : impl_->sessions) {
    if (auto session = weak.lock()) session->Close();
  }
  impl_->sessions.clear();
}

}  // namespace srfleet::ops
