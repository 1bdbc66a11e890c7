// HttpServer with TLS over real loopback sockets. The certificates come from
// shared/tls/pki.h; the client is plain OpenSSL on a blocking socket, so the
// test does not share the server's Beast/Asio stack. Plain-HTTP behaviour is
// covered by tests/agent/ops/http_server_test.cc.
#include "shared/ops/http_server.h"
#include "tests/support/loopback_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shared/tls/pki.h"

namespace srfleet::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ---- a small blocking TLS client --------------------------------------------

using Socket = testing_support::LoopbackSocket;

std::string DrainOpenSslErrors() {
  std::string out;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    absl::StrAppend(&out, out.empty() ? "" : "; ", std::string(buf));
  }
  return out;
}

tls::X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                               &BIO_free);
  return tls::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}
tls::EvpPkeyPtr ParseKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                               &BIO_free);
  return tls::EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

struct ClientTls {
  std::string ca_pem{};                 // the server must chain to it (and be 127.0.0.1)
  std::string cert_pem{}, key_pem{};    // a client certificate, optional
  int max_version = 0;                  // e.g. TLS1_1_VERSION; 0: OpenSSL's default
};

// A TLS connection to 127.0.0.1:port; the handshake runs in the constructor.
class TlsConn {
 public:
  TlsConn(int port, const ClientTls& options) : socket_(port) {
    if (!socket_.connected()) {
      error_ = "connect failed";
      return;
    }
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (options.max_version != 0) {
      // OpenSSL 3 itself refuses TLS < 1.2 at the default security level;
      // lower it so that the refusal under test is the server's.
      SSL_CTX_set_security_level(ctx_.get(), 0);
      SSL_CTX_set_min_proto_version(ctx_.get(), 0);
      SSL_CTX_set_max_proto_version(ctx_.get(), options.max_version);
    }
    tls::X509Ptr ca = ParseCert(options.ca_pem);
    if (!ca || X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_.get()), ca.get()) != 1) {
      error_ = "bad CA";
      return;
    }
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    if (!options.cert_pem.empty()) {
      tls::X509Ptr cert = ParseCert(options.cert_pem);
      tls::EvpPkeyPtr key = ParseKey(options.key_pem);
      if (!cert || !key || SSL_CTX_use_certificate(ctx_.get(), cert.get()) != 1 ||
          SSL_CTX_use_PrivateKey(ctx_.get(), key.get()) != 1) {
        error_ = "bad client certificate";
        return;
      }
    }
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), socket_.fd());
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), "127.0.0.1");
    ERR_clear_error();
    if (SSL_connect(ssl_.get()) != 1) {
      error_ = absl::StrCat("handshake: ", DrainOpenSslErrors());
      return;
    }
    handshake_ok_ = true;
  }

  bool handshake_ok() const { return handshake_ok_; }
  const std::string& error() const { return error_; }
  int version() const { return SSL_version(ssl_.get()); }

  bool Send(const std::string& data) {
    return handshake_ok_ && SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) ==
                                static_cast<int>(data.size());
  }
  // Reads until `needle` shows up in what was read so far, the server
  // closes, or the socket times out.
  std::string ReadUntil(const std::string& needle) {
    std::string out;
    char buf[4096];
    while (handshake_ok_ && (needle.empty() || out.find(needle) == std::string::npos)) {
      const int n = SSL_read(ssl_.get(), buf, sizeof(buf));
      if (n <= 0) {
        read_error_ = DrainOpenSslErrors();
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  std::string ReadAll() { return ReadUntil(""); }
  // OpenSSL's errors of the read that ended ReadUntil/ReadAll (e.g. the
  // server's alert).
  const std::string& read_error() const { return read_error_; }

 private:
  Socket socket_;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{nullptr, &SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, &SSL_free};
  bool handshake_ok_ = false;
  std::string error_, read_error_;
};

using Reply = testing_support::HttpReply;
inline Reply Parse(const std::string& raw) { return testing_support::ParseHttpReply(raw); }

std::string Get(const std::string& target, bool keep_alive = false) {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: test\r\n", keep_alive ? "" : "Connection: close\r\n",
                      "\r\n");
}

// ---- fixtures -------------------------------------------------------------------

HttpRoutes Routes() {
  HttpRoutes routes;
  routes["/healthz"] = [] { return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
  return routes;
}

// A CA, a server certificate for 127.0.0.1 and both as files.
class HttpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<tls::CertificateAuthority> ca = tls::CertificateAuthority::Create("ops-test-ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_.emplace(*std::move(ca));
    absl::StatusOr<tls::CertifiedKey> server = ca_->IssueServerCert();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    cert_file_ = WriteFile(server_.cert_pem);
    key_file_ = WriteFile(server_.key_pem);
    ca_file_ = WriteFile(ca_->cert_pem());
  }

  tls::TempFile WriteFile(const std::string& pem) {
    absl::StatusOr<tls::TempFile> file = tls::WritePemToTempFile(pem, "srfleet-ops-tls-test-");
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? *std::move(file) : tls::TempFile();
  }

  HttpServerOptions TlsOptions() const {
    HttpServerOptions options;
    options.tls_cert_file = cert_file_.path();
    options.tls_key_file = key_file_.path();
    return options;
  }

  std::unique_ptr<HttpServer> StartOrDie(const HttpServerOptions& options) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, Routes());
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  tls::CertifiedKey ClientCert(const tls::CertificateAuthority& ca, const std::string& user) {
    absl::StatusOr<tls::CertifiedKey> cert = ca.IssueClientCert({.user = user, .groups = {}, .validity_days = 365});
    EXPECT_TRUE(cert.ok()) << cert.status();
    return cert.ok() ? *std::move(cert) : tls::CertifiedKey();
  }

  std::optional<tls::CertificateAuthority> ca_;
  tls::CertifiedKey server_;
  tls::TempFile cert_file_, key_file_, ca_file_;
};

// ---- serving --------------------------------------------------------------------

TEST_F(HttpServerTlsTest, ServesHealthzOverTls12Plus) {
  auto server = StartOrDie(TlsOptions());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Url(), absl::StrCat("https://127.0.0.1:", server->port()));

  TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
  ASSERT_TRUE(conn.handshake_ok()) << conn.error();
  EXPECT_GE(conn.version(), TLS1_2_VERSION);
  ASSERT_TRUE(conn.Send(Get("/healthz")));
  const std::string raw = conn.ReadAll();
  Reply reply = Parse(raw);
  EXPECT_EQ(reply.status, 200) << raw;
  EXPECT_EQ(reply.body, "ok\n");
  EXPECT_THAT(reply.headers, HasSubstr("Server: srfleet"));
  // Connection: close ends with a TLS close_notify, not a bare TCP close
  // (which OpenSSL 3 reports as "unexpected eof while reading").
  EXPECT_THAT(conn.read_error(), Not(HasSubstr("unexpected eof"))) << conn.read_error();
}

TEST_F(HttpServerTlsTest, KeepAliveAndUnknownPathsOverTls) {
  auto server = StartOrDie(TlsOptions());
  ASSERT_NE(server, nullptr);
  TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
  ASSERT_TRUE(conn.handshake_ok()) << conn.error();
  ASSERT_TRUE(conn.Send(Get("/healthz", /*keep_alive=*/true) + Get("/nope")));
  const std::string raw = conn.ReadAll();
  EXPECT_THAT(raw, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(raw, HasSubstr("HTTP/1.1 404 Not Found\r\n"));
}

TEST_F(HttpServerTlsTest, RefusesTlsBelow12) {
  auto server = StartOrDie(TlsOptions());
  ASSERT_NE(server, nullptr);
  TlsConn old(server->port(), {.ca_pem = ca_->cert_pem(), .max_version = TLS1_1_VERSION});
  EXPECT_FALSE(old.handshake_ok());
  // The server still serves modern clients afterwards.
  TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
  EXPECT_TRUE(conn.handshake_ok()) << conn.error();
}

TEST_F(HttpServerTlsTest, PlaintextRequestGetsA400AndNoContent) {
  auto server = StartOrDie(TlsOptions());
  ASSERT_NE(server, nullptr);
  Socket plain(server->port());
  ASSERT_TRUE(plain.connected());
  ASSERT_TRUE(plain.Send(Get("/healthz")));
  const std::string raw = plain.ReadAll();
  Reply reply = Parse(raw);
  EXPECT_EQ(reply.status, 400) << raw;
  EXPECT_EQ(reply.body, "Client sent an HTTP request to an HTTPS server.\n");
  EXPECT_THAT(raw, Not(HasSubstr("ok\n")));

  // Bytes that are neither TLS nor an HTTP request: the connection just ends.
  Socket junk(server->port());
  ASSERT_TRUE(junk.connected());
  ASSERT_TRUE(junk.Send(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)));
  EXPECT_EQ(junk.ReadAll(), "");

  // And the server is fine afterwards.
  TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
  ASSERT_TRUE(conn.handshake_ok()) << conn.error();
  ASSERT_TRUE(conn.Send(Get("/healthz")));
  EXPECT_EQ(Parse(conn.ReadAll()).status, 200);
}

TEST_F(HttpServerTlsTest, PlainServerIsUnchangedAndRejectsTlsClients) {
  auto server = StartOrDie(HttpServerOptions{});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Url(), absl::StrCat("http://127.0.0.1:", server->port()));
  TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
  EXPECT_FALSE(conn.handshake_ok());
}

// ---- client certificates --------------------------------------------------------

TEST_F(HttpServerTlsTest, ClientCaRequiresAClientCertificateFromIt) {
  HttpServerOptions options = TlsOptions();
  options.tls_client_ca_file = ca_file_.path();
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);

  {  // A certificate from the client CA: served.
    tls::CertifiedKey client = ClientCert(*ca_, "prometheus");
    TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem(), .cert_pem = client.cert_pem, .key_pem = client.key_pem});
    ASSERT_TRUE(conn.handshake_ok()) << conn.error();
    ASSERT_TRUE(conn.Send(Get("/healthz")));
    Reply reply = Parse(conn.ReadAll());
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "ok\n");
  }
  {  // No certificate. TLS 1.3 clients finish their side of the handshake
     // before the server checks theirs: the refusal shows up on the read.
    TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem()});
    if (conn.handshake_ok()) {
      conn.Send(Get("/healthz"));
      const std::string raw = conn.ReadAll();
      EXPECT_EQ(raw, "");
      EXPECT_THAT(conn.read_error(), HasSubstr("certificate required")) << conn.read_error();
    }
  }
  {  // TLS 1.2: refused in the handshake itself.
    TlsConn conn(server->port(), {.ca_pem = ca_->cert_pem(), .max_version = TLS1_2_VERSION});
    EXPECT_FALSE(conn.handshake_ok());
  }
  {  // A certificate from another CA.
    absl::StatusOr<tls::CertificateAuthority> other = tls::CertificateAuthority::Create("someone-else");
    ASSERT_TRUE(other.ok()) << other.status();
    tls::CertifiedKey stranger = ClientCert(*other, "prometheus");
    TlsConn conn(server->port(),
                 {.ca_pem = ca_->cert_pem(), .cert_pem = stranger.cert_pem, .key_pem = stranger.key_pem});
    if (conn.handshake_ok()) {
      conn.Send(Get("/healthz"));
      EXPECT_EQ(conn.ReadAll(), "");
      EXPECT_THAT(conn.read_error(), HasSubstr("unknown ca")) << conn.read_error();
    }
  }
}

// ---- configuration errors -------------------------------------------------------

TEST_F(HttpServerTlsTest, ConfigurationErrorsNameTheField) {
  auto start = [](const HttpServerOptions& options) { return HttpServer::Start(options, Routes()).status(); };

  HttpServerOptions missing_cert = TlsOptions();
  missing_cert.tls_cert_file = "/nonexistent/srfleet/cert.pem";
  absl::Status s = start(missing_cert);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(s.message(), "tls_cert_file: cannot read /nonexistent/srfleet/cert.pem: No such file or directory");

  HttpServerOptions missing_key = TlsOptions();
  missing_key.tls_key_file = "/nonexistent/key.pem";
  s = start(missing_key);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_key_file: cannot read /nonexistent/key.pem"));

  HttpServerOptions directory = TlsOptions();
  directory.tls_cert_file = "/";
  s = start(directory);
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_cert_file: cannot read /: ")) << s;

  HttpServerOptions cert_only = TlsOptions();
  cert_only.tls_key_file.clear();
  s = start(cert_only);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "tls_key_file: required with tls_cert_file");

  HttpServerOptions key_only = TlsOptions();
  key_only.tls_cert_file.clear();
  EXPECT_EQ(start(key_only).message(), "tls_cert_file: required with tls_key_file");

  HttpServerOptions ca_only;
  ca_only.tls_client_ca_file = ca_file_.path();
  s = start(ca_only);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_client_ca_file: "));

  tls::TempFile garbage = WriteFile("not a certificate\n");
  HttpServerOptions bad_cert = TlsOptions();
  bad_cert.tls_cert_file = garbage.path();
  s = start(bad_cert);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith(absl::StrCat("tls_cert_file: ", garbage.path(), ": ")));

  HttpServerOptions key_is_cert = TlsOptions();
  key_is_cert.tls_key_file = cert_file_.path();
  s = start(key_is_cert);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_key_file: "));

  // Another key of the same type: the pair does not match.
  absl::StatusOr<tls::CertifiedKey> other = ca_->IssueServerCert();
  ASSERT_TRUE(other.ok());
  tls::TempFile other_key = WriteFile(other->key_pem);
  HttpServerOptions mismatch = TlsOptions();
  mismatch.tls_key_file = other_key.path();
  s = start(mismatch);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith(absl::StrCat("tls_key_file: ", other_key.path(), ": ")));

  HttpServerOptions bad_ca = TlsOptions();
  bad_ca.tls_client_ca_file = garbage.path();
  s = start(bad_ca);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_client_ca_file: "));
}

TEST_F(HttpServerTlsTest, EncryptedKeyIsAnErrorNotAPrompt) {
  tls::EvpPkeyPtr key = ParseKey(server_.key_pem);
  ASSERT_TRUE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  static char kPass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_128_cbc(), kPass, 6, nullptr, nullptr), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  const std::string encrypted(data, static_cast<size_t>(size));
  ASSERT_THAT(encrypted, HasSubstr("ENCRYPTED PRIVATE KEY"));
  tls::TempFile encrypted_file = WriteFile(encrypted);
  HttpServerOptions options = TlsOptions();
  options.tls_key_file = encrypted_file.path();
  absl::Status s = HttpServer::Start(options, Routes()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), StartsWith("tls_key_file: "));
}

// ---- lifecycle ------------------------------------------------------------------

TEST_F(HttpServerTlsTest, StopIsPromptWithIdleTlsAndHandshakingClients) {
  auto server = StartOrDie(TlsOptions());
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  TlsConn idle(port, {.ca_pem = ca_->cert_pem()});
  ASSERT_TRUE(idle.handshake_ok()) << idle.error();
  ASSERT_TRUE(idle.Send(Get("/healthz", /*keep_alive=*/true)));
  EXPECT_THAT(idle.ReadUntil("ok\n"), HasSubstr("HTTP/1.1 200"));
  Socket silent(port);  // connected, never sends a ClientHello
  ASSERT_TRUE(silent.connected());
  absl::SleepFor(absl::Milliseconds(50));

  const absl::Time start = absl::Now();
  server->Stop();
  server->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // Both see their connection end now, not at a timeout (10 s).
  EXPECT_EQ(idle.ReadAll(), "");
  EXPECT_EQ(silent.ReadAll(), "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  Socket refused(port);
  EXPECT_FALSE(refused.connected());
}

// ---- interoperability -----------------------------------------------------------

// curl (OpenSSL or GnuTLS) against the server, when there is one.
TEST_F(HttpServerTlsTest, CurlWithCacertAndClientCertificate) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no curl on PATH";
  HttpServerOptions options = TlsOptions();
  options.tls_client_ca_file = ca_file_.path();
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  tls::CertifiedKey client = ClientCert(*ca_, "curl");
  tls::TempFile client_cert = WriteFile(client.cert_pem);
  tls::TempFile client_key = WriteFile(client.key_pem);

  auto curl = [&](const std::string& args) {
    const std::string command = absl::StrCat("curl -sS --max-time 10 --cacert ", ca_file_.path(), " ", args, " ",
                                             server->Url(), "/healthz 2>&1");
    std::string out;
    if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
      char buf[512];
      for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
      ::pclose(pipe);
    }
    return out;
  };
  EXPECT_EQ(curl(absl::StrCat("--cert ", client_cert.path(), " --key ", client_key.path())), "ok\n");
  EXPECT_NE(curl(""), "ok\n");  // no client certificate
}

}  // namespace
}  // namespace srfleet::ops
