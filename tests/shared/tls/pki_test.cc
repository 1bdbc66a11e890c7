#include "shared/tls/pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace srfleet::tls {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

CertificateAuthority MakeCa(const std::string& cn = "test-ca") {
  absl::StatusOr<CertificateAuthority> ca = CertificateAuthority::Create(cn);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return *std::move(ca);
}

// Parses PEMs with OpenSSL directly, independently of pki.cc's helpers.
X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                               &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}
EvpPkeyPtr ParseKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                               &BIO_free);
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

TEST(PkiTest, CaIsSelfSignedCaWithP256Key) {
  CertificateAuthority ca = MakeCa("srfleet-ca");
  EXPECT_THAT(ca.cert_pem(), HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(ca.key_pem(), HasSubstr("-----BEGIN PRIVATE KEY-----"));  // PKCS#8
  absl::StatusOr<CertificateInfo> info = InspectCertificate(ca.cert_pem());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->common_name, "srfleet-ca");
  EXPECT_TRUE(info->is_ca);
  EXPECT_TRUE(VerifyCertificate(ca.cert_pem(), ca.cert_pem()).ok());

  EvpPkeyPtr key = ParseKey(ca.key_pem());
  ASSERT_TRUE(key);
  EXPECT_TRUE(EVP_PKEY_is_a(key.get(), "EC"));
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof(group), nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");
}

TEST(PkiTest, ServerCertVerifiesAndCarriesLoopbackSans) {
  CertificateAuthority ca = MakeCa();
  absl::StatusOr<CertifiedKey> server = ca.IssueServerCert();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(VerifyCertificate(server->cert_pem, ca.cert_pem()).ok());

  absl::StatusOr<CertificateInfo> info = InspectCertificate(server->cert_pem);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(info->is_ca);
  EXPECT_THAT(info->dns_names, ElementsAre("localhost"));
  EXPECT_THAT(info->ip_addresses, UnorderedElementsAre("127.0.0.1", "::1"));

  // The key belongs to the certificate, and OpenSSL's own host checks agree.
  X509Ptr cert = ParseCert(server->cert_pem);
  EvpPkeyPtr key = ParseKey(server->key_pem);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 0);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST(PkiTest, ServerCertWithCustomNames) {
  CertificateAuthority ca = MakeCa();
  ServerCertOptions options;
  options.common_name = "hub";
  options.dns_names = {"hub.srfleet.svc", "hub.srfleet.svc.cluster.local"};
  options.ip_addresses = {"10.96.0.10"};
  absl::StatusOr<CertifiedKey> server = ca.IssueServerCert(options);
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<CertificateInfo> info = InspectCertificate(server->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "hub");
  EXPECT_THAT(info->dns_names, ElementsAre("hub.srfleet.svc", "hub.srfleet.svc.cluster.local"));
  EXPECT_THAT(info->ip_addresses, ElementsAre("10.96.0.10"));
}

TEST(PkiTest, BadIpAddressIsInvalidArgument) {
  CertificateAuthority ca = MakeCa();
  ServerCertOptions options;
  options.ip_addresses = {"not-an-ip"};
  absl::StatusOr<CertifiedKey> server = ca.IssueServerCert(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PkiTest, ClientCertCarriesUserAndGroups) {
  CertificateAuthority ca = MakeCa();
  absl::StatusOr<CertifiedKey> client =
      ca.IssueClientCert({.user = "alice", .groups = {"system:masters", "dev"}});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(VerifyCertificate(client->cert_pem, ca.cert_pem()).ok());
  absl::StatusOr<CertificateInfo> info = InspectCertificate(client->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "alice");
  EXPECT_THAT(info->organizations, ElementsAre("system:masters", "dev"));
  EXPECT_TRUE(info->dns_names.empty());
  X509Ptr cert = ParseCert(client->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 0);

  EXPECT_EQ(ca.IssueClientCert({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PkiTest, CertFromAnotherCaDoesNotVerify) {
  CertificateAuthority ca = MakeCa("one");
  CertificateAuthority other = MakeCa("two");
  absl::StatusOr<CertifiedKey> server = other.IssueServerCert();
  ASSERT_TRUE(server.ok());
  absl::Status status = VerifyCertificate(server->cert_pem, ca.cert_pem());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(VerifyCertificate("garbage", ca.cert_pem()).ok());
}

TEST(PkiTest, CaRoundTripsThroughPem) {
  CertificateAuthority ca = MakeCa();
  absl::StatusOr<CertificateAuthority> loaded = CertificateAuthority::FromPem(ca.cert_pem(), ca.key_pem());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  absl::StatusOr<CertifiedKey> client = loaded->IssueClientCert({.user = "bob", .groups = {}});
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(VerifyCertificate(client->cert_pem, ca.cert_pem()).ok());

  CertificateAuthority other = MakeCa();
  EXPECT_EQ(CertificateAuthority::FromPem(ca.cert_pem(), other.key_pem()).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<CertifiedKey> leaf = ca.IssueServerCert();
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(CertificateAuthority::FromPem(leaf->cert_pem, leaf->key_pem).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PkiTest, TempFileHoldsPemAndIsRemoved) {
  std::string path;
  {
    absl::StatusOr<TempFile> file = WritePemToTempFile("-----BEGIN X-----\nabc\n", "pki-test-");
    ASSERT_TRUE(file.ok()) << file.status();
    path = file->path();
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_EQ(content.str(), "-----BEGIN X-----\nabc\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);  // keys must not be world-readable
    TempFile moved = *std::move(file);
    EXPECT_EQ(moved.path(), path);
  }
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0);
}

}  // namespace
}  // namespace srfleet::tls
