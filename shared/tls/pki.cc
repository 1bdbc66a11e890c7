#include "shared/tls/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace srfleet::tls {

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
void X509Deleter::operator()(X509* cert) const { X509_free(cert); }

namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
struct StoreDeleter {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// The OpenSSL error queue is per thread; drain it so the next failure
// reports its own cause, not a stale one.
absl::Status OpensslError(const std::string& what) {
  std::string detail;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    absl::StrAppend(&detail, detail.empty() ? "" : "; ", std::string(buf));
  }
  if (detail.empty()) return absl::InternalError(what);
  return absl::InternalError(absl::StrCat(what, ": ", detail));
}

absl::StatusOr<EvpPkeyPtr> GenerateP256Key() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpensslError("generating an ECDSA P-256 key");
  return key;
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

absl::StatusOr<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpensslError("encoding a certificate");
  return BioToString(bio.get());
}

absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PKCS#8 ("BEGIN PRIVATE KEY"): what Go's tls.X509KeyPair and kubectl accept.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpensslError("encoding a private key");
  }
  return BioToString(bio.get());
}

absl::StatusOr<X509Ptr> ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return OpensslError("parsing a PEM certificate");
  return cert;
}

absl::StatusOr<EvpPkeyPtr> ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return OpensslError("parsing a PEM private key");
  return key;
}

absl::Status AddNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) != 1) {
    return OpensslError(absl::StrCat("setting subject ", field, "=", value));
  }
  return absl::OkStatus();
}

// Adds an extension written in openssl.cnf syntax ("critical,CA:TRUE").
// `issuer` is needed by authorityKeyIdentifier.
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpensslError(absl::StrCat("adding extension ", std::string(OBJ_nid2sn(nid)), "=", value));
  }
  return absl::OkStatus();
}

// Built by hand rather than from a config string so that any name (commas,
// IPv6 colons) is taken literally.
absl::Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& dns_names,
                                const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty()) return absl::OkStatus();
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(sk_GENERAL_NAME_new_null());
  if (!names) return OpensslError("allocating subjectAltName");
  for (const std::string& dns : dns_names) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (name == nullptr || value == nullptr ||
        ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) != 1) {
      GENERAL_NAME_free(name);
      ASN1_IA5STRING_free(value);
      return OpensslError("encoding DNS SAN " + dns);
    }
    GENERAL_NAME_set0_value(name, GEN_DNS, value);
    sk_GENERAL_NAME_push(names.get(), name);
  }
  for (const std::string& ip : ip_addresses) {
    ASN1_OCTET_STRING* value = a2i_IPADDRESS(ip.c_str());
    if (value == nullptr) return absl::InvalidArgumentError("not an IP address: " + ip);
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
      ASN1_OCTET_STRING_free(value);
      return OpensslError("allocating IP SAN");
    }
    GENERAL_NAME_set0_value(name, GEN_IPADD, value);
    sk_GENERAL_NAME_push(names.get(), name);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpensslError("adding subjectAltName");
  }
  return absl::OkStatus();
}

// A certificate with everything but extensions and signature: v3, a random
// 127-bit serial (RFC 5280 wants unique, positive, <= 20 bytes) and a
// validity that starts an hour ago to tolerate clock skew between machines.
absl::StatusOr<X509Ptr> NewCertificate(EVP_PKEY* subject_key, int validity_days) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, BignumDeleter> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * validity_days) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return OpensslError("creating a certificate");
  }
  return cert;
}

absl::StatusOr<std::string> Asn1ToUtf8(const ASN1_STRING* value) {
  unsigned char* out = nullptr;
  int len = ASN1_STRING_to_UTF8(&out, value);
  if (len < 0) return OpensslError("decoding a certificate string");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return result;
}

absl::StatusOr<std::vector<std::string>> NameEntries(X509_NAME* name, int nid) {
  std::vector<std::string> values;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    absl::StatusOr<std::string> value =
        Asn1ToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

}  // namespace

CertificateAuthority::CertificateAuthority(EvpPkeyPtr key, X509Ptr cert, std::string cert_pem,
                                           std::string key_pem)
    : key_(std::move(key)),
      cert_(std::move(cert)),
      cert_pem_(std::move(cert_pem)),
      key_pem_(std::move(key_pem)) {}
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;
CertificateAuthority::~CertificateAuthority() = default;

absl::StatusOr<CertificateAuthority> CertificateAuthority::Create(const std::string& common_name,
                                                                  int validity_days) {
  absl::StatusOr<EvpPkeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = NewCertificate(key->get(), validity_days);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  X509_NAME* name = X509_get_subject_name(x);
  if (absl::Status s = AddNameEntry(name, "CN", common_name); !s.ok()) return s;
  if (X509_set_issuer_name(x, name) != 1) return OpensslError("setting the CA issuer");
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (absl::Status s = AddExtension(x, x, nid, value); !s.ok()) return s;
  }
  if (X509_sign(x, key->get(), EVP_sha256()) == 0) return OpensslError("self-signing the CA");
  absl::StatusOr<std::string> cert_pem = CertToPem(x);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = KeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  return CertificateAuthority(*std::move(key), *std::move(cert), *std::move(cert_pem),
                              *std::move(key_pem));
}

absl::StatusOr<CertificateAuthority> CertificateAuthority::FromPem(const std::string& cert_pem,
                                                                   const std::string& key_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<EvpPkeyPtr> key = ParseKey(key_pem);
  if (!key.ok()) return key.status();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the CA key does not match the CA certificate");
  }
  if (X509_check_ca(cert->get()) == 0) {
    return absl::InvalidArgumentError("the certificate is not a CA (basicConstraints CA:FALSE)");
  }
  return CertificateAuthority(*std::move(key), *std::move(cert), cert_pem, key_pem);
}

namespace {

// Everything leaf certificates share: fresh key, subject, CA-signed.
absl::StatusOr<CertifiedKey> IssueLeaf(EVP_PKEY* ca_key, X509* ca_cert, int validity_days,
                                       const std::string& common_name,
                                       const std::vector<std::string>& organizations,
                                       const char* extended_key_usage,
                                       const std::vector<std::string>& dns_names,
                                       const std::vector<std::string>& ip_addresses) {
  absl::StatusOr<EvpPkeyPtr> key = GenerateP256Key();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = NewCertificate(key->get(), validity_days);
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  X509_NAME* name = X509_get_subject_name(x);
  for (const std::string& org : organizations) {
    if (absl::Status s = AddNameEntry(name, "O", org); !s.ok()) return s;
  }
  if (absl::Status s = AddNameEntry(name, "CN", common_name); !s.ok()) return s;
  if (X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) != 1) {
    return OpensslError("setting the issuer");
  }
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            // ECDSA keys only sign; keyEncipherment is an RSA thing.
                            std::pair{NID_key_usage, "critical,digitalSignature"},
                            std::pair{NID_ext_key_usage, extended_key_usage},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (absl::Status s = AddExtension(x, ca_cert, nid, value); !s.ok()) return s;
  }
  if (absl::Status s = AddSubjectAltNames(x, dns_names, ip_addresses); !s.ok()) return s;
  if (X509_sign(x, ca_key, EVP_sha256()) == 0) return OpensslError("signing a certificate");
  absl::StatusOr<std::string> cert_pem = CertToPem(x);
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = KeyToPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  return CertifiedKey{*std::move(cert_pem), *std::move(key_pem)};
}

}  // namespace

absl::StatusOr<CertifiedKey> CertificateAuthority::IssueServerCert(
    const ServerCertOptions& options) const {
  return IssueLeaf(key_.get(), cert_.get(), options.validity_days, options.common_name, {},
                   "serverAuth", options.dns_names, options.ip_addresses);
}

absl::StatusOr<CertifiedKey> CertificateAuthority::IssueClientCert(
    const ClientCertOptions& options) const {
  if (options.user.empty()) return absl::InvalidArgumentError("a client certificate needs a user");
  return IssueLeaf(key_.get(), cert_.get(), options.validity_days, options.user, options.groups,
                   "clientAuth", {}, {});
}

absl::StatusOr<CertificateInfo> InspectCertificate(const std::string& cert_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.status();
  CertificateInfo info;
  X509_NAME* subject = X509_get_subject_name(cert->get());
  absl::StatusOr<std::vector<std::string>> cns = NameEntries(subject, NID_commonName);
  if (!cns.ok()) return cns.status();
  if (!cns->empty()) info.common_name = cns->back();  // the most specific CN
  absl::StatusOr<std::vector<std::string>> orgs = NameEntries(subject, NID_organizationName);
  if (!orgs.ok()) return orgs.status();
  info.organizations = *std::move(orgs);
  info.is_ca = X509_check_ca(cert->get()) != 0;

  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert->get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      int len = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof(text))) {
        info.ip_addresses.emplace_back(text);
      }
    }
  }
  ERR_clear_error();  // a missing SAN extension leaves a benign error queued
  return info;
}

absl::Status VerifyCertificate(const std::string& cert_pem, const std::string& ca_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<X509Ptr> ca = ParseCert(ca_pem);
  if (!ca.ok()) return ca.status();
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return OpensslError("setting up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::UnauthenticatedError(
        absl::StrCat("certificate does not verify: ", std::string(X509_verify_cert_error_string(error))));
  }
  return absl::OkStatus();
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempFile::~TempFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::string TempFile::Release() { return std::exchange(path_, {}); }

absl::StatusOr<TempFile> WritePemToTempFile(const std::string& pem, const std::string& name_prefix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(dir != nullptr && *dir != '\0' ? std::string(dir) : "/tmp", "/",
                                     name_prefix, "XXXXXX");
  int fd = ::mkstemp(pattern.data());  // creates the file with mode 0600
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp ", pattern, ": ", std::strerror(errno)));
  TempFile file(pattern);  // removes the file again on any error below
  size_t written = 0;
  while (written < pem.size()) {
    ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat("writing ", pattern, ": ", std::strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    return absl::InternalError(absl::StrCat("closing ", pattern, ": ", std::strerror(errno)));
  }
  return file;
}

}  // namespace srfleet::tls
