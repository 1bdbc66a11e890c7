// SimServer over real sockets, against the real Cluster, with a small Beast
// client written here. Every client I/O has a deadline (tcp_stream timers on
// async operations), so a server bug fails a test instead of hanging it.
#include "shared/kubesim/sim_server.h"

#include <dirent.h>

#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shared/json/json.h"
#include "shared/json/yaml_codec.h"
#include "shared/kubesim/cluster.h"
#include "shared/tls/pki.h"

namespace srfleet::kubesim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

constexpr auto kIoTimeout = std::chrono::seconds(10);

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Threads of this process, from /proc: proves connections cost no threads.
int ThreadCount() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
    closedir(dir);
  }
  return count;
}

// Polls `condition` for up to `timeout` (for effects that land on server threads).
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

std::string ConfigMap(const std::string& name, const std::string& value = "v") {
  return Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}}
      .dump();
}

struct ClientTls {
  std::string ca_pem;
  std::string cert_pem;  // optional client certificate
  std::string key_pem;
};

struct Response {
  unsigned status = 0;
  http::fields headers;
  std::string body;
};

// One HTTP/1.1 connection, plain or TLS. Sync-looking calls run async
// operations on a shared io_context until they complete or time out.
class TestClient {
 public:
  explicit TestClient(net::io_context& ioc) : ioc_(ioc) {}

  absl::Status Connect(int port, const std::optional<ClientTls>& tls) {
    if (tls) {
      tls_ctx_.set_verify_mode(ssl::verify_peer);
      tls_ctx_.add_certificate_authority(net::buffer(tls->ca_pem), ec_);
      if (!ec_ && !tls->cert_pem.empty()) tls_ctx_.use_certificate_chain(net::buffer(tls->cert_pem), ec_);
      if (!ec_ && !tls->key_pem.empty()) tls_ctx_.use_private_key(net::buffer(tls->key_pem), ssl::context::pem, ec_);
      if (ec_) return Error("client TLS setup");
      tls_.emplace(ioc_, tls_ctx_);
      // Checks the server certificate's IP SAN.
      tls_->set_verify_callback(ssl::host_name_verification("127.0.0.1"), ec_);
    } else {
      plain_.emplace(ioc_);
    }
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    if (Await([&](auto handler) { Tcp().async_connect(endpoint, handler); })) return Error("connect");
    Tcp().socket().set_option(tcp::no_delay(true), ec_);  // like Go's net/http: no Nagle delays
    if (tls_ && Await([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, handler); })) {
      return Error("TLS handshake");
    }
    return absl::OkStatus();
  }

  absl::Status Send(http::verb verb, const std::string& target, const std::string& body = "",
                    const std::string& token = "") {
    request_ = {verb, target, 11};
    request_.set(http::field::host, "127.0.0.1");
    request_.set(http::field::user_agent, "sim-server-test");
    request_.set(http::field::accept, "application/json");
    if (!token.empty()) request_.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) request_.set(http::field::content_type, "application/json");
    request_.body() = body;
    request_.prepare_payload();
    if (Await([&](auto handler) { With([&](auto& s) { http::async_write(s, request_, handler); }); })) {
      return Error("write request");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Response> Receive() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (Await([&](auto handler) { With([&](auto& s) { http::async_read(s, buffer_, parser, handler); }); })) {
      return Error("read response");
    }
    http::response<http::string_body> res = parser.release();
    return Response{res.result_int(), res.base(), res.body()};
  }

  absl::StatusOr<Response> Call(http::verb verb, const std::string& target, const std::string& body = "",
                                const std::string& token = "") {
    if (absl::Status s = Send(verb, target, body, token); !s.ok()) return s;
    return Receive();
  }
  absl::StatusOr<Response> Get(const std::string& target, const std::string& token = "") {
    return Call(http::verb::get, target, "", token);
  }

  // Sends a watch request and reads the response header.
  absl::StatusOr<unsigned> StartWatch(const std::string& target, const std::string& token = "") {
    if (absl::Status s = Send(http::verb::get, target, "", token); !s.ok()) return s;
    watch_.emplace();
    watch_->body_limit(boost::none);
    watch_body_.clear();
    watch_chunks_ = 0;
    on_chunk_header_ = [this](std::uint64_t size, beast::string_view, beast::error_code&) {
      if (size > 0) ++watch_chunks_;
    };
    on_chunk_body_ = [this](std::uint64_t, beast::string_view body, beast::error_code&) {
      watch_body_.append(body.data(), body.size());
      return body.size();
    };
    watch_->on_chunk_header(on_chunk_header_);
    watch_->on_chunk_body(on_chunk_body_);
    if (Await([&](auto handler) { With([&](auto& s) { http::async_read_header(s, buffer_, *watch_, handler); }); })) {
      return Error("read watch header");
    }
    return watch_->get().result_int();
  }

  // Reads the watch stream until `done()` holds or the response ends (OK),
  // or an error/timeout (the status).
  absl::Status ReadWatch(const std::function<bool()>& done, std::chrono::milliseconds timeout = kIoTimeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (!done() && !watch_->is_done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return absl::DeadlineExceededError("watch read timed out");
      if (Await([&](auto handler) { With([&](auto& s) { http::async_read_some(s, buffer_, *watch_, handler); }); },
                left)) {
        return Error("read watch");
      }
    }
    return absl::OkStatus();
  }
  absl::Status ReadWatchToEnd(std::chrono::milliseconds timeout = kIoTimeout) {
    return ReadWatch([] { return false; }, timeout);
  }

  bool watch_done() const { return watch_ && watch_->is_done(); }
  const http::response_parser<http::empty_body>& watch() const { return *watch_; }
  const std::string& watch_body() const { return watch_body_; }
  int watch_chunks() const { return watch_chunks_; }

  // The complete event lines received so far, parsed.
  std::vector<Json> WatchEvents() const {
    std::vector<Json> events;
    std::vector<std::string> lines = absl::StrSplit(watch_body_, '\n');
    lines.pop_back();  // after the last '\n': an incomplete line or ""
    for (const std::string& line : lines) events.push_back(Json::parse(line, nullptr, false));
    return events;
  }
  int CountEvents(const std::string& type, const std::string& name_prefix) const {
    int n = 0;
    for (const Json& event : WatchEvents()) {
      if (event.is_object() && event.value("type", "") == type &&
          absl::StartsWith(event["object"]["metadata"].value("name", ""), name_prefix)) {
        ++n;
      }
    }
    return n;
  }

  void Close() {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

 private:
  beast::tcp_stream& Tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <class F>
  void With(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  // Starts one operation and runs the io_context until it completes; the
  // tcp_stream timer turns a stuck operation into beast::error::timeout.
  template <class Initiate>
  beast::error_code Await(Initiate&& initiate, std::chrono::milliseconds timeout = kIoTimeout) {
    bool done = false;
    ec_ = {};
    Tcp().expires_after(timeout);
    initiate([this, &done](beast::error_code ec, auto&&...) {
      ec_ = ec;
      done = true;
    });
    ioc_.restart();
    while (!done && ioc_.run_one() > 0) {
    }
    Tcp().expires_never();
    return ec_;
  }

  absl::Status Error(const std::string& what) const {
    return absl::UnavailableError(absl::StrCat(what, ": ", ec_.message()));
  }

  net::io_context& ioc_;
  ssl::context tls_ctx_{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::empty_body>> watch_;
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_header_;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_body_;
  std::string watch_body_;
  int watch_chunks_ = 0;
};

// Designated initializers would leave fields out (-Wmissing-field-initializers).
SimServerOptions Options(std::function<void(SimServerOptions&)> edit) {
  SimServerOptions options;
  edit(options);
  return options;
}

ClusterOptions Named(const std::string& name) {
  ClusterOptions options;
  options.name = name;
  return options;
}

class SimServerTest : public ::testing::Test {
 protected:
  void Start(SimServerOptions options = {}) {
    absl::StatusOr<std::unique_ptr<SimServer>> server = SimServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    server_->Mount("", &cluster_);
  }

  std::optional<ClientTls> Tls() const {
    if (server_->Url().starts_with("http:")) return std::nullopt;
    return ClientTls{server_->ca_pem(), "", ""};
  }

  std::unique_ptr<TestClient> Connect() {
    auto client = std::make_unique<TestClient>(ioc_);
    absl::Status status = client->Connect(server_->port(), Tls());
    EXPECT_TRUE(status.ok()) << status;
    return client;
  }

  void Create(TestClient& client, const std::string& name, const std::string& prefix = "",
              const std::string& value = "v") {
    absl::StatusOr<Response> res =
        client.Call(http::verb::post, prefix + "/api/v1/namespaces/default/configmaps", ConfigMap(name, value));
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(res->status, 201u) << res->body;
  }

  net::io_context ioc_;
  Cluster cluster_;                    // outlives the server (declared first)
  std::unique_ptr<SimServer> server_;  // destroyed first
};

constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

TEST_F(SimServerTest, HttpsGetAnswersWithApiserverHeadersAndKeepsAlive) {
  Start();
  EXPECT_THAT(server_->Url(), ::testing::MatchesRegex("https://127\\.0\\.0\\.1:[0-9]+"));
  std::unique_ptr<TestClient> client = Connect();
  absl::StatusOr<Response> res = client->Get("/api/v1/namespaces/default");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u) << res->body;
  EXPECT_EQ(res->headers["Content-Type"], "application/json");
  EXPECT_EQ(res->headers["Cache-Control"], "no-cache, private");
  EXPECT_THAT(std::string(res->headers["Audit-Id"]),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_THAT(std::string(res->headers["Date"]), ::testing::MatchesRegex("[A-Z][a-z]{2}, [0-9]{2} .* GMT"));
  EXPECT_EQ(Json::parse(res->body)["metadata"]["name"], "default");

  // Same connection again, and a 404 from the cluster in the real format.
  absl::StatusOr<Response> missing = client->Get(std::string(kConfigMaps) + "/does-not-exist");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->status, 404u);
  EXPECT_EQ(Json::parse(missing->body)["reason"], "NotFound");
  EXPECT_EQ(server_->connections_accepted(), 1);
  EXPECT_GE(cluster_.counters().total, 2);
}

TEST_F(SimServerTest, PlainHttpServesToo) {
  Start(Options([](auto& o) { o.tls = false; }));
  EXPECT_TRUE(server_->Url().starts_with("http://127.0.0.1:"));
  EXPECT_EQ(server_->ca_pem(), "");
  std::unique_ptr<TestClient> client = Connect();
  Create(*client, "plain");
  absl::StatusOr<Response> res = client->Get(std::string(kConfigMaps) + "/plain");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, RefusesClientThatDoesNotTrustItsCa) {
  Start();
  absl::StatusOr<tls::CertificateAuthority> other = tls::CertificateAuthority::Create("someone-else");
  ASSERT_TRUE(other.ok());
  TestClient client(ioc_);
  absl::Status status = client.Connect(server_->port(), ClientTls{other->cert_pem(), "", ""});
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("handshake"));
}

TEST_F(SimServerTest, BearerTokenIsRequiredWhenConfigured) {
  Start(Options([](auto& o) { o.bearer_token = "s3cret"; }));
  std::unique_ptr<TestClient> client = Connect();
  for (const std::string& token : {std::string(), std::string("wrong")}) {
    absl::StatusOr<Response> res = client->Get(kConfigMaps, token);
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(res->status, 401u);
    EXPECT_EQ(res->body,
              R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",)"
              R"("reason":"Unauthorized","code":401})");
    EXPECT_EQ(res->headers["Content-Type"], "application/json");
  }
  EXPECT_EQ(cluster_.counters().total, 0);  // refused before reaching the cluster
  absl::StatusOr<Response> ok = client->Get(kConfigMaps, "s3cret");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200u);
}

TEST_F(SimServerTest, ClientCertificateAuthenticates) {
  Start(Options([](auto& o) { o.bearer_token = "s3cret"; }));
  absl::StatusOr<SimServer::ClientCredentials> creds = server_->IssueClientCert("alice");
  ASSERT_TRUE(creds.ok()) << creds.status();
  TestClient client(ioc_);
  ASSERT_TRUE(client.Connect(server_->port(), ClientTls{server_->ca_pem(), creds->cert_pem, creds->key_pem}).ok());
  absl::StatusOr<Response> res = client.Get(kConfigMaps);  // no token: the certificate is enough
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, RequiredClientCertificateRefusesOthers) {
  Start(Options([](auto& o) { o.require_client_cert = true; }));
  // TLS 1.3 finishes the client side of the handshake before the server has
  // checked the certificate, so the refusal may surface on the first request.
  auto refused = [&](const ClientTls& tls) {
    TestClient client(ioc_);
    if (!client.Connect(server_->port(), tls).ok()) return true;
    return !client.Get(kConfigMaps).ok();
  };
  EXPECT_TRUE(refused(ClientTls{server_->ca_pem(), "", ""}));
  absl::StatusOr<tls::CertificateAuthority> other = tls::CertificateAuthority::Create("rogue");
  ASSERT_TRUE(other.ok());
  absl::StatusOr<tls::CertifiedKey> rogue = other->IssueClientCert({.user = "mallory", .groups = {}, .validity_days = 1});
  ASSERT_TRUE(rogue.ok());
  EXPECT_TRUE(refused(ClientTls{server_->ca_pem(), rogue->cert_pem, rogue->key_pem}));

  absl::StatusOr<SimServer::ClientCredentials> creds = server_->IssueClientCert("bob", {"dev"});
  ASSERT_TRUE(creds.ok());
  TestClient client(ioc_);
  ASSERT_TRUE(client.Connect(server_->port(), ClientTls{server_->ca_pem(), creds->cert_pem, creds->key_pem}).ok());
  absl::StatusOr<Response> res = client.Get(kConfigMaps);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, BringYourOwnServerCertificate) {
  absl::StatusOr<tls::CertificateAuthority> ca = tls::CertificateAuthority::Create("own-ca");
  ASSERT_TRUE(ca.ok());
  absl::StatusOr<tls::CertifiedKey> cert = ca->IssueServerCert();
  ASSERT_TRUE(cert.ok());
  Start(Options([&](auto& o) {
    o.server_cert_pem = cert->cert_pem;
    o.server_key_pem = cert->key_pem;
    o.server_ca_pem = ca->cert_pem();
  }));
  EXPECT_EQ(server_->ca_pem(), ca->cert_pem());
  EXPECT_EQ(server_->IssueClientCert("x").status().code(), absl::StatusCode::kFailedPrecondition);
  std::unique_ptr<TestClient> client = Connect();
  absl::StatusOr<Response> res = client->Get(kConfigMaps);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, PathPrefixReachesTheRightCluster) {
  Start();
  Cluster a(Named("a"));
  Cluster ab(Named("ab"));
  server_->Mount("/clusters/a", &a);
  server_->Mount("/clusters/ab", &ab);
  EXPECT_EQ(server_->Url("/clusters/a"), server_->Url() + "/clusters/a");
  std::unique_ptr<TestClient> client = Connect();
  Create(*client, "only-in-a", "/clusters/a");

  auto status_of = [&](const std::string& target) {
    absl::StatusOr<Response> res = client->Get(target);
    EXPECT_TRUE(res.ok()) << res.status();
    return res.ok() ? res->status : 0u;
  };
  EXPECT_EQ(status_of(absl::StrCat("/clusters/a", kConfigMaps, "/only-in-a")), 200u);
  EXPECT_EQ(status_of(absl::StrCat("/clusters/ab", kConfigMaps, "/only-in-a")), 404u);
  EXPECT_EQ(status_of(absl::StrCat(kConfigMaps, "/only-in-a")), 404u);  // root cluster
  EXPECT_EQ(a.object_count() - ab.object_count(), 1u);
  EXPECT_EQ(a.counters().by_verb["create"], 1);
  EXPECT_EQ(ab.counters().by_verb["create"], 0);

  // Without a root mount, unknown paths get the apiserver's plain 404.
  server_->Mount("", nullptr);
  absl::StatusOr<Response> res = client->Get("/clusters/zzz/api");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 404u);
  EXPECT_EQ(res->body, "404 page not found\n");
  // The bare prefix reaches the cluster's root.
  EXPECT_NE(status_of("/clusters/a/api"), 404u);
}

TEST_F(SimServerTest, WatchStreamsEventsAsChunksAndEndsOnClose) {
  Start();
  std::unique_ptr<TestClient> watcher = Connect();
  std::unique_ptr<TestClient> writer = Connect();
  absl::StatusOr<unsigned> status = watcher->StartWatch(absl::StrCat(kConfigMaps, "?watch=1"));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, 200u);
  EXPECT_TRUE(watcher->watch().chunked());
  EXPECT_EQ(watcher->watch().get()[http::field::transfer_encoding], "chunked");
  EXPECT_EQ(watcher->watch().get()[http::field::content_type], "application/json");
  EXPECT_TRUE(Eventually([&] { return cluster_.open_watches() == 1; }));

  for (int i = 0; i < 3; ++i) Create(*writer, absl::StrCat("w", i));
  ASSERT_TRUE(watcher->ReadWatch([&] { return watcher->CountEvents("ADDED", "w") == 3; }).ok());
  EXPECT_GE(watcher->watch_chunks(), 1);
  EXPECT_FALSE(watcher->watch_done());

  cluster_.DropWatches();  // the cluster ends the stream: last chunk
  ASSERT_TRUE(watcher->ReadWatchToEnd().ok());
  EXPECT_TRUE(watcher->watch_done());
  // A terminated chunked response leaves the connection reusable.
  absl::StatusOr<Response> res = watcher->Get(absl::StrCat(kConfigMaps, "/w0"));
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
  EXPECT_EQ(server_->connections_accepted(), 2);
}

TEST_F(SimServerTest, LargeEventIsSplitAcrossChunks) {
  Start();
  std::unique_ptr<TestClient> watcher = Connect();
  std::unique_ptr<TestClient> writer = Connect();
  ASSERT_TRUE(watcher->StartWatch(absl::StrCat(kConfigMaps, "?watch=1")).ok());
  ASSERT_TRUE(Eventually([&] { return cluster_.open_watches() == 1; }));
  int chunks_before = watcher->watch_chunks();
  std::string big(20000, 'x');
  Create(*writer, "big", "", big);
  ASSERT_TRUE(watcher->ReadWatch([&] { return watcher->CountEvents("ADDED", "big") == 1; }).ok());
  EXPECT_GE(watcher->watch_chunks() - chunks_before, 10);  // 2 KiB chunks, like the real server's
  for (const Json& event : watcher->WatchEvents()) {
    if (event["object"]["metadata"].value("name", "") == "big") {
      EXPECT_EQ(event["object"]["data"]["k"], big);
    }
  }
}

TEST_F(SimServerTest, WatchTimeoutSecondsEndsTheStream) {
  Start();
  std::unique_ptr<TestClient> watcher = Connect();
  Clock::time_point start = Clock::now();
  ASSERT_TRUE(watcher->StartWatch(absl::StrCat(kConfigMaps, "?watch=1&timeoutSeconds=1")).ok());
  ASSERT_TRUE(watcher->ReadWatchToEnd(std::chrono::seconds(5)).ok());
  EXPECT_TRUE(watcher->watch_done());
  EXPECT_GE(MillisSince(start), 900);
  EXPECT_TRUE(Eventually([&] { return cluster_.open_watches() == 0; }));
}

TEST_F(SimServerTest, DropConnectionsClosesWatches) {
  Start();
  std::unique_ptr<TestClient> watcher = Connect();
  std::unique_ptr<TestClient> idle = Connect();
  ASSERT_TRUE(watcher->StartWatch(absl::StrCat(kConfigMaps, "?watch=1")).ok());
  ASSERT_TRUE(Eventually([&] { return cluster_.open_watches() == 1; }));
  EXPECT_EQ(server_->open_connections(), 2);

  Clock::time_point start = Clock::now();
  server_->DropConnections();
  absl::Status read = watcher->ReadWatchToEnd(std::chrono::seconds(5));
  EXPECT_FALSE(read.ok());              // cut, not a clean end of the response
  EXPECT_FALSE(watcher->watch_done());
  EXPECT_LT(MillisSince(start), 2000);
  EXPECT_FALSE(idle->Get(kConfigMaps).ok());
  EXPECT_TRUE(Eventually([&] { return cluster_.open_watches() == 0 && server_->open_connections() == 0; }));

  // The server itself keeps accepting.
  std::unique_ptr<TestClient> again = Connect();
  absl::StatusOr<Response> res = again->Get(kConfigMaps);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, ClientDisconnectCancelsTheWatch) {
  Start(Options([](auto& o) { o.tls = false; }));
  std::unique_ptr<TestClient> watcher = Connect();
  ASSERT_TRUE(watcher->StartWatch(absl::StrCat(kConfigMaps, "?watch=1")).ok());
  ASSERT_TRUE(Eventually([&] { return cluster_.open_watches() == 1; }));
  watcher->Close();
  EXPECT_TRUE(Eventually([&] { return cluster_.open_watches() == 0 && server_->open_connections() == 0; }));
}

TEST_F(SimServerTest, InjectedLatencyDelaysResponsesWithoutBlockingThreads) {
  Start(Options([](auto& o) { o.threads = 1; }));
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(Connect());
  FaultPlan plan;
  plan.added_latency_ms = 300;
  cluster_.SetFaults(plan);

  Clock::time_point start = Clock::now();
  absl::StatusOr<Response> one = clients[0]->Get(kConfigMaps);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->status, 200u);
  EXPECT_GE(MillisSince(start), 290);

  // Four requests in flight on one server thread: timers, not sleeps, so they
  // overlap instead of queueing behind each other.
  start = Clock::now();
  for (auto& client : clients) ASSERT_TRUE(client->Send(http::verb::get, kConfigMaps).ok());
  for (auto& client : clients) {
    absl::StatusOr<Response> res = client->Receive();
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(res->status, 200u);
  }
  int64_t elapsed = MillisSince(start);
  EXPECT_GE(elapsed, 290);
  EXPECT_LT(elapsed, 4 * 300);
}

TEST_F(SimServerTest, TwoHundredIdleConnectionsAndWatchesOnTwoThreads) {
  int threads_before = ThreadCount();
  Start(Options([](auto& o) { o.threads = 2; }));
  EXPECT_LE(ThreadCount(), threads_before + 2);
  constexpr int kIdle = 100, kWatches = 100;
  std::vector<std::unique_ptr<TestClient>> idle, watchers;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(Connect());
    absl::StatusOr<Response> res = idle.back()->Get(kConfigMaps);
    ASSERT_TRUE(res.ok()) << i << ": " << res.status();
  }
  for (int i = 0; i < kWatches; ++i) {
    watchers.push_back(Connect());
    ASSERT_TRUE(watchers.back()->StartWatch(absl::StrCat(kConfigMaps, "?watch=1")).ok()) << i;
  }
  EXPECT_EQ(server_->connections_accepted(), kIdle + kWatches);
  EXPECT_EQ(server_->open_connections(), kIdle + kWatches);
  ASSERT_TRUE(Eventually([&] { return cluster_.open_watches() == static_cast<size_t>(kWatches); }));
  EXPECT_LE(ThreadCount(), threads_before + 2);  // connections cost no threads

  std::unique_ptr<TestClient> writer = Connect();
  Create(*writer, "fanout");
  for (auto& watcher : watchers) {
    ASSERT_TRUE(watcher->ReadWatch([&] { return watcher->CountEvents("ADDED", "fanout") == 1; }).ok());
  }
  for (auto& client : idle) {  // still alive after idling
    absl::StatusOr<Response> res = client->Get(absl::StrCat(kConfigMaps, "/fanout"));
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(res->status, 200u);
  }
  EXPECT_EQ(server_->connections_accepted(), kIdle + kWatches + 1);
}

TEST_F(SimServerTest, StopReturnsPromptlyWithOpenWatches) {
  Start();
  std::vector<std::unique_ptr<TestClient>> watchers;
  for (int i = 0; i < 5; ++i) {
    watchers.push_back(Connect());
    ASSERT_TRUE(watchers.back()->StartWatch(absl::StrCat(kConfigMaps, "?watch=1")).ok());
  }
  std::unique_ptr<TestClient> idle = Connect();
  ASSERT_TRUE(Eventually([&] { return cluster_.open_watches() == 5; }));

  Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(MillisSince(start), 1500);
  EXPECT_EQ(cluster_.open_watches(), 0u);  // cancelled before Stop() returned
  EXPECT_EQ(server_->open_connections(), 0);
  for (auto& watcher : watchers) EXPECT_FALSE(watcher->ReadWatchToEnd(std::chrono::seconds(2)).ok());
  server_->Stop();  // idempotent; the destructor calls it again
  TestClient late(ioc_);
  EXPECT_FALSE(late.Connect(server_->port(), Tls()).ok());
}

TEST_F(SimServerTest, KubeconfigCarriesServerCaAndCredentials) {
  Start();
  Cluster a(Named("a"));
  server_->Mount("/clusters/sim-a", &a);

  absl::StatusOr<Json> with_token = ParseYaml(server_->KubeconfigYaml("/clusters/sim-a", "tok"));
  ASSERT_TRUE(with_token.ok()) << with_token.status();
  const Json& cluster = (*with_token)["clusters"][0];
  EXPECT_EQ(cluster["name"], "sim-a");
  EXPECT_EQ(cluster["cluster"]["server"], server_->Url("/clusters/sim-a"));
  std::string ca;
  ASSERT_TRUE(absl::Base64Unescape(cluster["cluster"]["certificate-authority-data"].get<std::string>(), &ca));
  EXPECT_EQ(ca, server_->ca_pem());
  EXPECT_EQ((*with_token)["current-context"], "sim-a");
  EXPECT_EQ((*with_token)["users"][0]["user"]["token"], "tok");

  // Without a token: a client certificate that the server accepts.
  absl::StatusOr<Json> with_cert = ParseYaml(server_->MultiClusterKubeconfigYaml({"", "/clusters/sim-a"}, ""));
  ASSERT_TRUE(with_cert.ok()) << with_cert.status();
  EXPECT_EQ((*with_cert)["contexts"].size(), 2u);
  EXPECT_EQ((*with_cert)["current-context"], "kubesim");
  const Json& user = (*with_cert)["users"][0]["user"];
  std::string cert, key;
  ASSERT_TRUE(absl::Base64Unescape(user["client-certificate-data"].get<std::string>(), &cert));
  ASSERT_TRUE(absl::Base64Unescape(user["client-key-data"].get<std::string>(), &key));
  absl::StatusOr<tls::CertificateInfo> info = tls::InspectCertificate(cert);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "kubesim-admin");
  EXPECT_THAT(info->organizations, ::testing::ElementsAre("system:masters"));
  server_.reset();

  Start(Options([](auto& o) { o.bearer_token = "only-token"; }));
  // A different server: its CA differs, so reuse only the shape: the cert
  // from this server's own kubeconfig authenticates without the token.
  absl::StatusOr<Json> own = ParseYaml(server_->KubeconfigYaml("", ""));
  ASSERT_TRUE(own.ok());
  ASSERT_TRUE(absl::Base64Unescape((*own)["users"][0]["user"]["client-certificate-data"].get<std::string>(), &cert));
  ASSERT_TRUE(absl::Base64Unescape((*own)["users"][0]["user"]["client-key-data"].get<std::string>(), &key));
  TestClient client(ioc_);
  ASSERT_TRUE(client.Connect(server_->port(), ClientTls{server_->ca_pem(), cert, key}).ok());
  absl::StatusOr<Response> res = client.Get(kConfigMaps);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200u);
}

TEST_F(SimServerTest, ExpectContinueIsAnswered) {
  Start(Options([](auto& o) { o.tls = false; }));
  // curl sends large bodies only after "100 Continue"; without the interim
  // response it would stall for a second on every such request.
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())), ec);
  ASSERT_FALSE(ec) << ec.message();
  std::string body = ConfigMap("continued");
  std::string head = absl::StrCat("POST ", kConfigMaps, " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
                                  "Expect: 100-continue\r\nContent-Length: ", body.size(), "\r\n\r\n");
  net::write(stream, net::buffer(head), ec);
  ASSERT_FALSE(ec);
  std::string got(64, '\0');
  size_t n = 0;
  bool done = false;
  stream.expires_after(std::chrono::seconds(5));
  stream.async_read_some(net::buffer(got), [&](beast::error_code read_ec, size_t bytes) {
    ec = read_ec;
    n = bytes;
    done = true;
  });
  ioc.run_for(std::chrono::seconds(6));
  ASSERT_TRUE(done);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(got.substr(0, n), "HTTP/1.1 100 Continue\r\n\r\n");
  net::write(stream, net::buffer(body), ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(Eventually([&] { return cluster_.counters().by_verb["create"] == 1; }));
}

}  // namespace
}  // namespace srfleet::kubesim
