// SimServer: the listener, the thread pool, TLS setup and lifecycle. The
// per-connection protocol lives in sim_session.cc.
#include "shared/kubesim/sim_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shared/kubesim/sim_session.h"
#include "shared/kubesim/sim_support.h"
#include "shared/tls/pki.h"

namespace srfleet::kubesim {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct SimServer::Impl {
  SimServerOptions options;
  std::optional<tls::CertificateAuthority> ca;  // only when Start() generated the PKI
  std::string ca_pem;
  int port = 0;
  std::atomic<int64_t> accepted{0};

  sim::ServerContext context;
  std::unique_ptr<ssl::context> tls;
  // Reset in Stop(), in this order: the acceptor and timer need the
  // io_context, and destroying the io_context destroys the sessions, which
  // need `context` and `tls` (declared above, so destroyed after).
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<net::steady_timer> accept_retry;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool stopped = false;

  absl::Status SetUpTls();
  absl::Status Listen();
  void DoAccept();
  void OnAccept(error_code ec, tcp::socket socket);
  void Stop();
};

namespace {

absl::Status SslError(const std::string& what, const error_code& ec) {
  return absl::InternalError(absl::StrCat(what, ": ", ec.message()));
}

// Lists the client CA in the CertificateRequest so clients (Go's crypto/tls
// among them) pick a matching certificate.
absl::Status AdvertiseClientCa(ssl::context& ctx, const std::string& ca_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())),
                                               &BIO_free);
  tls::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert || SSL_CTX_add_client_CA(ctx.native_handle(), cert.get()) != 1) {
    return absl::InvalidArgumentError("cannot parse the client CA certificate");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SimServer::Impl::SetUpTls() {
  std::string cert_pem = options.server_cert_pem;
  std::string key_pem = options.server_key_pem;
  ca_pem = options.server_ca_pem;
  if (cert_pem.empty()) {
    absl::StatusOr<tls::CertificateAuthority> new_ca = tls::CertificateAuthority::Create("kubesim-ca");
    if (!new_ca.ok()) return new_ca.status();
    absl::StatusOr<tls::CertifiedKey> server = new_ca->IssueServerCert({.common_name = "kubesim",
                                                                        .dns_names = {"localhost"},
                                                                        .ip_addresses = {"127.0.0.1", "::1"},
                                                                        .validity_days = 365});
    if (!server.ok()) return server.status();
    cert_pem = server->cert_pem;
    key_pem = server->key_pem;
    ca_pem = new_ca->cert_pem();
    ca.emplace(*std::move(new_ca));
  }
  const std::string client_ca = options.client_ca_pem.empty() ? ca_pem : options.client_ca_pem;
  if (options.require_client_cert && client_ca.empty()) {
    return absl::InvalidArgumentError("require_client_cert needs a client CA");
  }

  tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  error_code ec;
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return SslError("TLS options", ec);
  tls->use_certificate_chain(net::buffer(cert_pem), ec);
  if (ec) return SslError("server certificate", ec);
  tls->use_private_key(net::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return SslError("server key", ec);
  if (client_ca.empty()) return absl::OkStatus();  // no client certificates at all

  tls->add_certificate_authority(net::buffer(client_ca), ec);
  if (ec) return SslError("client CA", ec);
  if (absl::Status s = AdvertiseClientCa(*tls, client_ca); !s.ok()) return s;
  // Like kube-apiserver (VerifyClientCertIfGiven): ask for a certificate,
  // refuse a bad one; a missing one is refused only when required.
  tls->set_verify_mode(ssl::verify_peer | (options.require_client_cert ? ssl::verify_fail_if_no_peer_cert : 0),
                       ec);
  if (ec) return SslError("client verification", ec);
  return absl::OkStatus();
}

absl::Status SimServer::Impl::Listen() {
  acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*ioc));
  accept_retry = std::make_unique<net::steady_timer>(acceptor->get_executor());
  error_code ec;
  tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(options.port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("listen on 127.0.0.1:", options.port, ": ", ec.message()));
  port = acceptor->local_endpoint(ec).port();
  if (ec) return absl::InternalError(ec.message());
  return absl::OkStatus();
}

void SimServer::Impl::DoAccept() {
  // Each connection gets its own strand: its handlers never run concurrently,
  // while different connections use the whole pool.
  acceptor->async_accept(net::make_strand(*ioc),
                         [this](error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void SimServer::Impl::OnAccept(error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // E.g. EMFILE: back off instead of spinning on a failing accept.
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](error_code wait_ec) {
      if (!wait_ec) DoAccept();
    });
    return;
  }
  accepted.fetch_add(1, std::memory_order_relaxed);
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // watch events must not wait for Nagle
  if (tls) {
    sim::StartTlsSession(context, std::move(socket), *tls);
  } else {
    sim::StartPlainSession(context, std::move(socket));
  }
  DoAccept();
}

void SimServer::Impl::Stop() {
  std::lock_guard lock(stop_mu);
  if (stopped || !ioc) return;
  stopped = true;
  // 1. No new connections (the acceptor belongs to its strand: close it there).
  std::promise<void> closed;
  net::post(acceptor->get_executor(), [&] {
    error_code ignored;
    acceptor->close(ignored);
    accept_retry->cancel();
    closed.set_value();
  });
  closed.get_future().wait_for(std::chrono::seconds(1));
  // 2. Close every connection abruptly (no TLS close_notify round trip) and
  // let their handlers finish: that cancels their watches in the clusters.
  for (const auto& session : context.registry.Snapshot()) session->Drop();
  context.registry.WaitEmpty(2000);
  // 3. From here on a late Send() from a cluster thread posts nothing.
  context.gate->Close();
  work.reset();
  ioc->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  // 4. Whatever is still queued (and the sessions it owns) dies with the
  // io_context, on this thread, while the clusters are still alive.
  accept_retry.reset();
  acceptor.reset();
  ioc.reset();
}

absl::StatusOr<std::unique_ptr<SimServer>> SimServer::Start(const SimServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->options.threads = std::max(1, options.threads);
  impl->context.bearer_token = options.bearer_token;
  if (options.tls) {
    if (absl::Status s = impl->SetUpTls(); !s.ok()) return s;
  }
  impl->ioc = std::make_unique<net::io_context>(impl->options.threads);
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  net::io_context* ioc = impl->ioc.get();
  impl->context.gate = std::make_shared<sim::PostGate>([ioc](std::function<void()> fn) {
    net::post(*ioc, std::move(fn));
  });
  impl->work.emplace(ioc->get_executor());
  impl->DoAccept();
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([ioc] {
      // A handler that throws must not take the server down; run() resumes.
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "kubesim: handler threw: %s\n", e.what());
        }
      }
    });
  }
  return std::unique_ptr<SimServer>(new SimServer(std::move(impl)));
}

SimServer::SimServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SimServer::~SimServer() { Stop(); }

void SimServer::Stop() { impl_->Stop(); }

void SimServer::Mount(const std::string& prefix, Cluster* cluster) { impl_->context.mounts.Mount(prefix, cluster); }

std::string SimServer::Url(const std::string& prefix) const {
  return absl::StrCat(impl_->options.tls ? "https" : "http", "://127.0.0.1:", impl_->port, prefix);
}

int SimServer::port() const { return impl_->port; }

const std::string& SimServer::ca_pem() const { return impl_->ca_pem; }

absl::StatusOr<SimServer::ClientCredentials> SimServer::IssueClientCert(
    const std::string& user, const std::vector<std::string>& groups) const {
  if (!impl_->ca) {
    return absl::FailedPreconditionError("the server was given its certificate; it has no CA key to issue with");
  }
  absl::StatusOr<tls::CertifiedKey> cert = impl_->ca->IssueClientCert({.user = user, .groups = groups, .validity_days = 365});
  if (!cert.ok()) return cert.status();
  return ClientCredentials{cert->cert_pem, cert->key_pem};
}

std::string SimServer::KubeconfigYaml(const std::string& prefix, const std::string& user_token_or_empty) const {
  return MultiClusterKubeconfigYaml({prefix}, user_token_or_empty);
}

std::string SimServer::MultiClusterKubeconfigYaml(const std::vector<std::string>& prefixes,
                                                  const std::string& user_token_or_empty) const {
  std::vector<std::pair<std::string, std::string>> clusters;
  for (const std::string& prefix : prefixes) {
    std::string name = prefix.substr(prefix.find_last_of('/') + 1);  // npos + 1 == 0
    clusters.emplace_back(name.empty() ? "kubesim" : name, Url(prefix));
  }
  sim::KubeconfigUser user{.token = user_token_or_empty, .client_cert_pem = {}, .client_key_pem = {}};
  if (user.token.empty() && impl_->ca) {
    if (absl::StatusOr<ClientCredentials> creds = IssueClientCert("kubesim-admin"); creds.ok()) {
      user.client_cert_pem = creds->cert_pem;
      user.client_key_pem = creds->key_pem;
    }
  }
  return sim::BuildKubeconfig(clusters, impl_->options.tls ? impl_->ca_pem : std::string(), user);
}

void SimServer::DropConnections() {
  for (const auto& session : impl_->context.registry.Snapshot()) session->Drop();
}

int64_t SimServer::connections_accepted() const { return impl_->accepted.load(std::memory_order_relaxed); }

int64_t SimServer::open_connections() const { return static_cast<int64_t>(impl_->context.registry.size()); }

}  // namespace srfleet::kubesim
