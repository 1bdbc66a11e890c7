// A small HTTP server for operational endpoints (/metrics, /healthz,
// /readyz) of the hub and the agent, on its own thread. Keep-alive,
// GET/HEAD only, exact paths (the query string is ignored). Plain HTTP by
// default; HTTPS only (TLS 1.2+, optionally mutual) when given a certificate.
// Boost.Beast and OpenSSL stay in http_server.cc. Stop() is immediate: open
// connections are closed, not drained (unlike prometheus-cpp's civetweb
// Exposer, which takes seconds).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace srfleet::ops {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the server thread, one request at a time: must be quick and
// thread-safe with respect to the rest of the program. Exceptions become 500.
using HttpHandler = std::function<HttpResponse()>;
using HttpRoutes = std::map<std::string, HttpHandler>;  // path -> handler

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP literal or a resolvable name; "0.0.0.0" for all
  int port = 0;                    // 0: the OS picks one (see HttpServer::port())
  int max_body_bytes = 64 * 1024;  // larger requests are refused

  // TLS, from PEM files read once by Start(). Both or neither: with them the
  // port speaks HTTPS only (TLS 1.2+; a plaintext request gets a 400 telling
  // the client to use https). The certificate file may hold a chain (leaf
  // first); the key must not be encrypted. (The `{}` keep initialisers such
  // as HttpServerOptions{"127.0.0.1", 0} free of -Wmissing-field-initializers.)
  std::string tls_cert_file{};
  std::string tls_key_file{};
  // With TLS: require a client certificate chaining to these CA(s) (PEM);
  // clients without one are refused during the handshake.
  std::string tls_client_ca_file{};
};

// ":8080" (all interfaces), "127.0.0.1:0", "[::1]:9090", "localhost:8081".
absl::StatusOr<HttpServerOptions> ParseBindAddress(std::string_view address);

class HttpServer {
 public:
  // Binds, listens and starts serving; Unavailable when the address cannot
  // be bound (in use, bad host). TLS problems come first, as a status naming
  // the option: InvalidArgument (bad combination, unparsable PEM, a key that
  // does not match the certificate) or the errno's code for an unreadable
  // file, e.g. NotFound "tls_cert_file: cannot read /x: No such file or
  // directory".
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, HttpRoutes routes);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // "http://host:port" of the bound socket ("https://" with TLS).
  std::string Url() const;
  // Idempotent; joins the server thread. Not from inside a handler.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::ops
