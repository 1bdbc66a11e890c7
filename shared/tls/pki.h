// In-memory PKI for tests, simulated clusters and (later) hub/agent mTLS: a
// self-signed CA that issues server certificates (DNS/IP SANs) and client
// certificates (CN = user, O = groups, as Kubernetes reads them). Keys are
// ECDSA P-256; everything is exchanged as PEM strings so callers need no
// OpenSSL types.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace srfleet::tls {

// RAII owners for the OpenSSL objects (the deleters call *_free).
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
struct X509Deleter {
  void operator()(X509* cert) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// A certificate and its private key (PKCS#8, unencrypted), both PEM.
struct CertifiedKey {
  std::string cert_pem;
  std::string key_pem;
};

struct ServerCertOptions {
  std::string common_name = "localhost";
  // Loopback by default: what a server on 127.0.0.1/[::1] needs to verify.
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses = {"127.0.0.1", "::1"};
  int validity_days = 365;
};

struct ClientCertOptions {
  std::string user;                 // subject CN: the Kubernetes user name
  std::vector<std::string> groups;  // subject O, one entry per group
  int validity_days = 365;
};

// A CA: its key never leaves the object except through key_pem().
class CertificateAuthority {
 public:
  // A new self-signed CA with a fresh P-256 key.
  static absl::StatusOr<CertificateAuthority> Create(const std::string& common_name,
                                                     int validity_days = 3650);
  // Loads an existing CA (e.g. the hub's, from a Secret).
  static absl::StatusOr<CertificateAuthority> FromPem(const std::string& cert_pem,
                                                      const std::string& key_pem);

  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;
  ~CertificateAuthority();

  const std::string& cert_pem() const { return cert_pem_; }
  const std::string& key_pem() const { return key_pem_; }

  // Signing does not change the CA, so issuing is const and thread-safe.
  absl::StatusOr<CertifiedKey> IssueServerCert(const ServerCertOptions& options = {}) const;
  absl::StatusOr<CertifiedKey> IssueClientCert(const ClientCertOptions& options) const;

 private:
  CertificateAuthority(EvpPkeyPtr key, X509Ptr cert, std::string cert_pem, std::string key_pem);

  EvpPkeyPtr key_;
  X509Ptr cert_;
  std::string cert_pem_;
  std::string key_pem_;
};

// What a certificate says, for tests and for identifying mTLS peers.
struct CertificateInfo {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual, e.g. "127.0.0.1", "::1"
  bool is_ca = false;
};
absl::StatusOr<CertificateInfo> InspectCertificate(const std::string& cert_pem);

// OK when `cert_pem` chains to `ca_pem` (signature, validity period).
absl::Status VerifyCertificate(const std::string& cert_pem, const std::string& ca_pem);

// A file that exists as long as this object does (mode 0600), for APIs that
// want paths (kubeconfig certificate-authority, curl --cacert, ...).
class TempFile {
 public:
  TempFile() = default;
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  const std::string& path() const { return path_; }
  // Keeps the file on disk after this object dies; returns its path.
  std::string Release();

 private:
  std::string path_;
};

// Writes `pem` (or any text) to a new file under $TMPDIR (default /tmp).
absl::StatusOr<TempFile> WritePemToTempFile(const std::string& pem,
                                            const std::string& name_prefix = "srfleet-pem-");

}  // namespace srfleet::tls
