// gRPC credentials from PEM files, for the hub (server) and its clients (the
// agent's link and the CLI). Plaintext only when asked for explicitly.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace srfleet::grpcutil {

struct ClientTlsFiles {
  bool insecure = false;   // plaintext (local development only)
  std::string ca_file;     // trust these roots ("" : the system roots)
  std::string cert_file;   // client certificate for mutual TLS (optional)
  std::string key_file;
  // Overrides the name checked against the server certificate (e.g. when
  // dialling an IP the certificate does not list).
  std::string server_name;
};

struct ServerTlsFiles {
  bool insecure = false;
  std::string cert_file;
  std::string key_file;
  // Given: clients must present a certificate signed by this CA (mTLS).
  std::string client_ca_file;
};

// InvalidArgument naming the flag-ish field when a file is missing,
// unreadable, or only half of a cert/key pair is given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(const ClientTlsFiles& files);
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const ServerTlsFiles& files);

// In-memory variants (tests, --simulate).
struct ClientTlsPem {
  std::string ca_pem, cert_pem, key_pem;
};
struct ServerTlsPem {
  std::string cert_pem, key_pem, client_ca_pem;
};
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentialsFromPem(const ClientTlsPem& pem);
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentialsFromPem(const ServerTlsPem& pem);

}  // namespace srfleet::grpcutil
