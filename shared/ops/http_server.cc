// HttpServer over Boost.Beast: one io_context on one thread, async accept and
// one keep-alive session per connection, over plain TCP or over TLS
// (boost::asio::ssl on OpenSSL). No BOOST_ASIO_* macros are defined here
// (they must match every other Asio user in the binary; see
// shared/kube/README.md).
#include "shared/ops/http_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"

namespace srfleet::ops {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A client that sends nothing for this long is dropped (slowloris, or an
// idle keep-alive connection of a scraper that went away).
constexpr std::chrono::seconds kIdleTimeout{30};
// A TLS client must finish its handshake within this (a connection that
// never sends a ClientHello must not hold a socket for long).
constexpr std::chrono::seconds kHandshakeTimeout{10};
// How long a closing TLS connection waits for the client's close_notify.
constexpr std::chrono::seconds kTlsShutdownTimeout{1};

// What a plain-HTTP client gets on the HTTPS port (as Go's net/http does),
// so that a scraper configured with http:// says why instead of "connection
// reset". Static: async_write needs the bytes until it completes.
constexpr std::string_view kPlainHttpOnTlsPort =
    "HTTP/1.0 400 Bad Request\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Connection: close\r\n"
    "Content-Length: 48\r\n"
    "\r\n"
    "Client sent an HTTP request to an HTTPS server.\n";
static_assert(kPlainHttpOnTlsPort.size() - kPlainHttpOnTlsPort.find("\r\n\r\n") - 4 == 48);

// OpenSSL recognises "GET ", "POST ", "HEAD ", "PUT " where a TLS record
// should start and fails the handshake with SSL_R_HTTP_REQUEST, sending no
// alert: the socket is still clean for a plain-HTTP answer.
bool IsPlainHttpRequest(const beast::error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

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

// What Stop() needs of a session, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the socket at once (for TLS: no close_notify). On the server
  // thread, or once it has stopped.
  virtual void Close() = 0;
};

// One connection: [TLS handshake] -> (read request -> write response)* ->
// close. Stream is beast::tcp_stream or TlsStream.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `stream_args`: the ssl::context for TlsStream, nothing for plain TCP.
  template <class... StreamArgs>
  Session(std::shared_ptr<const HttpRoutes> routes, int max_body_bytes, tcp::socket socket,
          StreamArgs&... stream_args)
      : stream_(std::move(socket), stream_args...), routes_(std::move(routes)), max_body_bytes_(max_body_bytes) {}

  void Start() {
    if constexpr (kTls) {
      Tcp().expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      Read();
    }
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(max_body_bytes_));
    Tcp().expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void Close() override {
    beast::error_code ignored;
    if (!Tcp().socket().is_open()) return;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().socket().close(ignored);
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    if (!ec) {
      Read();
      return;
    }
    if constexpr (kTls) {
      if (IsPlainHttpRequest(ec)) {
        // Straight to TCP: there is no TLS session to write through.
        net::async_write(Tcp(), net::buffer(kPlainHttpOnTlsPort.data(), kPlainHttpOnTlsPort.size()),
                         [self = this->shared_from_this()](beast::error_code, size_t) { self->Close(); });
        return;
      }
    }
    // Anything else (no shared protocol version, a client certificate that
    // is missing or does not chain to the client CA, a timeout): the alert,
    // if any, was sent; nothing to answer.
    Close();
  }

  // After the last response: TLS says goodbye (close_notify, so the client
  // can tell the end from a truncation), bounded in time; TCP just closes.
  void Finish() {
    if constexpr (kTls) {
      Tcp().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      Close();
    }
  }

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
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code write_ec, size_t) {
      self->OnWrite(write_ec);
    });
  }

  void OnWrite(beast::error_code ec) {
    if (ec) {
      Close();
      return;
    }
    if (!response_.keep_alive()) {
      Finish();
      return;
    }
    Read();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<const HttpRoutes> routes_;
  const int max_body_bytes_;
};

// Reads a whole (small) file for `field`; the error names the field, the
// path and the errno, e.g. "tls_cert_file: cannot read /x: No such file or
// directory" (NotFound).
absl::StatusOr<std::string> ReadFileFor(const char* field, const std::string& path) {
  constexpr size_t kMaxBytes = 1 << 20;  // PEM bundles are kilobytes; a bigger file is a mistake
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  std::string data;
  if (file) {
    char buf[4096];
    size_t n = 0;
    while (data.size() <= kMaxBytes && (n = std::fread(buf, 1, sizeof(buf), file.get())) > 0) data.append(buf, n);
  }
  if (!file || std::ferror(file.get())) {  // EISDIR shows up here, not at fopen
    const int error = errno != 0 ? errno : EIO;
    return absl::ErrnoToStatus(error, absl::StrCat(field, ": cannot read ", path));
  }
  if (data.size() > kMaxBytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", path, ": larger than 1 MiB, not a PEM file"));
  }
  return data;
}

absl::Status PemError(const char* field, const std::string& path, const std::string& what,
                      const beast::error_code& ec) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", path, ": ", what, " (", ec.message(), ")"));
}

// The server-side TLS context for `options`, or null when TLS is not
// configured.
absl::StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const HttpServerOptions& options) {
  const bool has_cert = !options.tls_cert_file.empty();
  const bool has_key = !options.tls_key_file.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(has_cert ? "tls_key_file: required with tls_cert_file"
                                               : "tls_cert_file: required with tls_key_file");
  }
  if (!has_cert) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("tls_client_ca_file: needs tls_cert_file and tls_key_file");
    }
    return nullptr;
  }
  absl::StatusOr<std::string> cert_pem = ReadFileFor("tls_cert_file", options.tls_cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadFileFor("tls_key_file", options.tls_key_file);
  if (!key_pem.ok()) return key_pem.status();
  std::string client_ca_pem;
  if (!options.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFileFor("tls_client_ca_file", options.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    client_ca_pem = *std::move(ca);
  }

  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression, ec);
  if (ec) return absl::InternalError(absl::StrCat("TLS: cannot set options: ", ec.message()));
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("TLS: cannot require TLS 1.2");
  }
  // An encrypted key would make OpenSSL prompt on the terminal for a
  // passphrase (and hang a daemon); an empty one makes loading fail instead.
  ctx->set_password_callback([](size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  if (ec) return absl::InternalError(absl::StrCat("TLS: cannot set the password callback: ", ec.message()));

  ctx->use_certificate_chain(net::buffer(*cert_pem), ec);
  if (ec) return PemError("tls_cert_file", options.tls_cert_file, "cannot load a PEM certificate chain", ec);
  ctx->use_private_key(net::buffer(*key_pem), ssl::context::pem, ec);
  if (ec) {
    return PemError("tls_key_file", options.tls_key_file,
                    "cannot load an unencrypted PEM private key matching tls_cert_file", ec);
  }
  // use_private_key checks the key against the certificate only when both
  // are of the same type; this catches e.g. an RSA key for an EC certificate.
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("tls_key_file: ", options.tls_key_file,
                                                   ": does not match the certificate in ", options.tls_cert_file));
  }

  if (!client_ca_pem.empty()) {
    ctx->add_certificate_authority(net::buffer(client_ca_pem), ec);
    if (ec) return PemError("tls_client_ca_file", options.tls_client_ca_file, "cannot load PEM CA certificates", ec);
    // Name the CAs in the CertificateRequest, so that clients holding
    // several certificates (Go's crypto/tls, curl with NSS, ...) pick one
    // that chains to them.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(client_ca_pem.data(), static_cast<int>(client_ca_pem.size())), &BIO_free);
    for (;;) {
      std::unique_ptr<X509, decltype(&X509_free)> cert(
          bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
      if (!cert) break;
      if (SSL_CTX_add_client_CA(native, cert.get()) != 1) {
        ERR_clear_error();
        return absl::InternalError("tls_client_ca_file: cannot advertise the client CA");
      }
    }
    ERR_clear_error();  // the end of the bundle reads as a PEM "no start line"
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return absl::InternalError(absl::StrCat("TLS: cannot require client certificates: ", ec.message()));
    // Without a session id context OpenSSL refuses to resume sessions of
    // verified clients (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED): scrapers
    // that resume (curl, ...) would see handshake failures.
    static constexpr unsigned char kSessionIdContext[] = "srfleet-ops";
    if (SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
      return absl::InternalError("TLS: cannot set the session id context");
    }
  }
  return ctx;
}

}  // namespace

struct HttpServer::Impl {
  // Before the io_context: destroyed after the sessions that use it (they
  // die with the io_context's pending handlers). Null: plain HTTP.
  std::unique_ptr<ssl::context> tls;
  // Declared before the acceptor: destroyed after it; destroying it
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
  std::vector<std::weak_ptr<SessionBase>> sessions;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      // Other accept errors (EMFILE, a reset handshake) affect one client:
      // keep listening.
      if (!ec) {
        std::erase_if(sessions, [](const std::weak_ptr<SessionBase>& s) { return s.expired(); });
        if (tls) {
          auto session = std::make_shared<Session<TlsStream>>(routes, max_body_bytes, std::move(socket), *tls);
          sessions.push_back(session);
          session->Start();
        } else {
          auto session = std::make_shared<Session<beast::tcp_stream>>(routes, max_body_bytes, std::move(socket));
          sessions.push_back(session);
          session->Start();
        }
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
  // TLS first: a bad certificate is a configuration error, reported before
  // the port is taken. ssl::context throws when OpenSSL cannot even make a
  // context (out of memory); nothing may escape this API.
  try {
    absl::StatusOr<std::unique_ptr<ssl::context>> tls = MakeTlsContext(options);
    if (!tls.ok()) return tls.status();
    impl->tls = *std::move(tls);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("http server: TLS setup: ", e.what()));
  }
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

std::string HttpServer::Url() const {
  return absl::StrCat(impl_->tls ? "https://" : "http://", impl_->host, ":", impl_->port);
}

void HttpServer::Stop() {
  // Stopping the io_context abandons every pending operation at once; the
  // sockets close when ~Impl destroys the handlers that own them.
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Nothing runs on the io_context any more: safe to close from here, so
  // that clients see the connection end now rather than at destruction.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const std::weak_ptr<SessionBase>& weak : impl_->sessions) {
    if (auto session = weak.lock()) session->Close();
  }
  impl_->sessions.clear();
}

}  // namespace srfleet::ops
