#include "shared/grpc/tls_credentials.h"

#include <fstream>
#include <sstream>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace srfleet::grpcutil {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", path, " is not a PEM file"));
  }
  return out.str();
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentialsFromPem(const ClientTlsPem& pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pem.ca_pem;
  options.pem_cert_chain = pem.cert_pem;
  options.pem_private_key = pem.key_pem;
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentialsFromPem(const ServerTlsPem& pem) {
  grpc::SslServerCredentialsOptions options(pem.client_ca_pem.empty()
                                                ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = pem.client_ca_pem;
  options.pem_key_cert_pairs.push_back({pem.key_pem, pem.cert_pem});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(const ClientTlsFiles& files) {
  if (files.insecure) return grpc::InsecureChannelCredentials();
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError("tls: a client certificate needs both the certificate and the key file");
  }
  ClientTlsPem pem;
  if (!files.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(files.ca_file, "tls ca");
    if (!ca.ok()) return ca.status();
    pem.ca_pem = *ca;
  }
  if (!files.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(files.cert_file, "tls cert");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(files.key_file, "tls key");
    if (!key.ok()) return key.status();
    pem.cert_pem = *cert;
    pem.key_pem = *key;
  }
  return MakeChannelCredentialsFromPem(pem);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const ServerTlsFiles& files) {
  if (files.insecure) return grpc::InsecureServerCredentials();
  if (files.cert_file.empty() || files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls: the server needs a certificate and a key (or run with plaintext explicitly for local development)");
  }
  ServerTlsPem pem;
  absl::StatusOr<std::string> cert = ReadPem(files.cert_file, "tls cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(files.key_file, "tls key");
  if (!key.ok()) return key.status();
  pem.cert_pem = *cert;
  pem.key_pem = *key;
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(files.client_ca_file, "tls client ca");
    if (!ca.ok()) return ca.status();
    pem.client_ca_pem = *ca;
  }
  return MakeServerCredentialsFromPem(pem);
}

}  // namespace srfleet::grpcutil
