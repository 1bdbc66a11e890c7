// Internal: the OpenSSL client context built from a RestConfig. Declared
// with a forward declaration so that only tls_context.cc and
// http_connection.cc pay for Asio's SSL headers.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "shared/kube/rest_config.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace srfleet::kube::internal {

// Verification against config.ca_pem (else the system store) unless
// insecure_skip_tls_verify; the client certificate and key when set.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const RestConfig& config);

}  // namespace srfleet::kube::internal
