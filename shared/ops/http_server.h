// A small plain-HTTP server for operational endpoints (/metrics, /healthz,
// /readyz) of the hub and the agent, on its own thread. Keep-alive,
// GET/HEAD only, exact paths (the query string is ignored). Boost.Beast stays
// in http_server.cc. Stop() is immediate: open connections are closed, not
// drained (unlike prometheus-cpp's civetweb Exposer, which takes seconds).
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
};

// ":8080" (all interfaces), "127.0.0.1:0", "[::1]:9090", "localhost:8081".
absl::StatusOr<HttpServerOptions> ParseBindAddress(std::string_view address);

class HttpServer {
 public:
  // Binds, listens and starts serving; Unavailable when the address cannot
  // be bound (in use, bad host).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, HttpRoutes routes);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // "http://host:port" of the bound socket.
  std::string Url() const;
  // Idempotent; joins the server thread. Not from inside a handler.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::ops
