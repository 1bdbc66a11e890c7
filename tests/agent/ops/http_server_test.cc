// HttpServer and the ops routes over real loopback sockets, with a tiny
// blocking client (so the test does not share the server's HTTP stack).
#include "shared/ops/http_server.h"
#include "tests/support/loopback_socket.h"
#include "agent/ops/ops_routes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/ops/metrics.h"

namespace srfleet::agent {
namespace {
using ops::HttpServer;
using ops::HttpServerOptions;
using ops::HttpRoutes;
using ops::HttpResponse;
using ops::ParseBindAddress;

// The shared socket, with Send asserting that everything went out.
class Conn : public testing_support::LoopbackSocket {
 public:
  using LoopbackSocket::LoopbackSocket;
  void Send(const std::string& data) { ASSERT_TRUE(LoopbackSocket::Send(data)); }
};

using Reply = testing_support::HttpReply;
inline Reply Parse(const std::string& raw) { return testing_support::ParseHttpReply(raw); }

Reply Request(int port, const std::string& method, const std::string& target) {
  Conn conn(port);
  EXPECT_TRUE(conn.connected());
  conn.Send(absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"));
  return Parse(conn.ReadAll());
}

std::unique_ptr<HttpServer> StartOps(const AgentMetrics* metrics, std::function<absl::Status()> readiness) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(HttpServerOptions{"127.0.0.1", 0}, OpsRoutes(metrics, std::move(readiness)));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(HttpServerTest, HealthzReadyzAndMetrics) {
  AgentMetrics metrics;
  metrics.SetLeader(true);
  std::atomic<bool> ready{false};
  auto server = StartOps(&metrics, [&]() -> absl::Status {
    if (!ready) return absl::UnavailableError("informers not synced");
    return absl::OkStatus();
  });
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  EXPECT_EQ(server->Url(), absl::StrCat("http://127.0.0.1:", server->port()));

  Reply healthz = Request(server->port(), "GET", "/healthz");
  EXPECT_EQ(healthz.status, 200);
  EXPECT_EQ(healthz.body, "ok\n");

  Reply not_ready = Request(server->port(), "GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "informers not synced\n");
  ready = true;
  Reply is_ready = Request(server->port(), "GET", "/readyz?verbose");  // the query is ignored
  EXPECT_EQ(is_ready.status, 200);

  Reply scrape = Request(server->port(), "GET", "/metrics");
  EXPECT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.headers.find("text/plain; version=0.0.4"), std::string::npos) << scrape.headers;
  EXPECT_NE(scrape.body.find("srfleet_agent_leader 1"), std::string::npos) << scrape.body;
  EXPECT_NE(scrape.body.find("srfleet_agent_reconcile_duration_seconds"), std::string::npos);
}

TEST(HttpServerTest, UnknownPathsMethodsAndHead) {
  auto server = StartOps(nullptr, nullptr);  // no metrics, always ready
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Request(server->port(), "GET", "/metrics").status, 404);
  EXPECT_EQ(Request(server->port(), "GET", "/nope").status, 404);
  EXPECT_EQ(Request(server->port(), "POST", "/healthz").status, 405);
  EXPECT_EQ(Request(server->port(), "GET", "/readyz").status, 200);
  Reply head = Request(server->port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_NE(head.headers.find("Content-Length: 3"), std::string::npos) << head.headers;
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartOps(nullptr, nullptr);
  ASSERT_NE(server, nullptr);
  Conn conn(server->port());
  ASSERT_TRUE(conn.connected());
  conn.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string raw = conn.ReadAll();
  size_t responses = 0;
  for (size_t at = raw.find("HTTP/1.1 200"); at != std::string::npos; at = raw.find("HTTP/1.1 200", at + 1)) ++responses;
  EXPECT_EQ(responses, 2u) << raw;
}

TEST(HttpServerTest, HandlerExceptionsBecome500) {
  HttpRoutes routes;
  routes["/boom"] = []() -> HttpResponse { throw std::runtime_error("kaput"); };
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start({}, routes);
  ASSERT_TRUE(server.ok()) << server.status();
  Reply r = Request((*server)->port(), "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("kaput"), std::string::npos);
}

TEST(HttpServerTest, StopIsPromptWithAnIdleKeepAliveClientAndIdempotent) {
  auto server = StartOps(nullptr, nullptr);
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  Conn idle(port);
  ASSERT_TRUE(idle.connected());
  idle.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");  // keep-alive: the server waits for more
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  server->Stop();
  server->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // civetweb's Exposer takes seconds; this must not hang
  // The idle client sees its connection end (after the one response).
  const std::string raw = idle.ReadAll();
  EXPECT_NE(raw.find("HTTP/1.1 200"), std::string::npos);
  Conn refused(port);
  EXPECT_FALSE(refused.connected());
}

TEST(HttpServerTest, ABusyPortIsAnError) {
  auto first = StartOps(nullptr, nullptr);
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<HttpServer>> second =
      HttpServer::Start(HttpServerOptions{"127.0.0.1", first->port()}, OpsRoutes(nullptr, nullptr));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(ParseBindAddressTest, Forms) {
  absl::StatusOr<HttpServerOptions> all = ParseBindAddress(":8080");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->host, "0.0.0.0");
  EXPECT_EQ(all->port, 8080);
  absl::StatusOr<HttpServerOptions> loopback = ParseBindAddress("127.0.0.1:0");
  ASSERT_TRUE(loopback.ok());
  EXPECT_EQ(loopback->host, "127.0.0.1");
  EXPECT_EQ(loopback->port, 0);
  absl::StatusOr<HttpServerOptions> v6 = ParseBindAddress("[::1]:9090");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9090);
  EXPECT_FALSE(ParseBindAddress("8080").ok());
  EXPECT_FALSE(ParseBindAddress("host:http").ok());
  EXPECT_FALSE(ParseBindAddress("host:70000").ok());
  EXPECT_FALSE(ParseBindAddress("host:").ok());
}

}  // namespace
}  // namespace srfleet::agent
