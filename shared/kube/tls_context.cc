#include "shared/kube/tls_context.h"

#include <boost/asio/ssl/context.hpp>

#include <string>

#include "absl/strings/str_cat.h"

namespace srfleet::kube::internal {

namespace ssl = boost::asio::ssl;

absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const RestConfig& config) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  // TLS 1.2+ only, as the API server requires; no compression.
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression,
                   ec);
  if (ec) return absl::InternalError(absl::StrCat("TLS: cannot set options: ", ec.message()));

  if (config.insecure_skip_tls_verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
  } else {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!ec) {
      if (config.ca_pem.empty()) {
        ctx->set_default_verify_paths(ec);
      } else {
        ctx->add_certificate_authority(boost::asio::buffer(config.ca_pem), ec);
        if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS: cannot load the CA certificates: ", ec.message()));
      }
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("TLS: cannot set up verification: ", ec.message()));

  if (!config.client_cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS: cannot load the client certificate: ", ec.message()));
    ctx->use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS: cannot load the client key: ", ec.message()));
  }
  return ctx;
}

}  // namespace srfleet::kube::internal
