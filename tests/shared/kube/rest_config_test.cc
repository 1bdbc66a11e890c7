// Kubeconfig, environment and in-cluster loaders, including broken inputs
// and the exact error texts users will see.
#include "shared/kube/rest_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/shared/kube/temp_dir.h"

namespace srfleet::kube {
namespace {

using ::testing::HasSubstr;
using testing::ScopedEnv;
using testing::TempDir;

constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
constexpr char kCertPem[] = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----\n";
constexpr char kKeyPem[] = "-----BEGIN PRIVATE KEY-----\nMIIBkey\n-----END PRIVATE KEY-----\n";

std::string B64(const std::string& s) { return absl::Base64Escape(s); }

// A kubeconfig with two clusters/users/contexts; `user_a` is spliced in.
std::string Kubeconfig(const std::string& user_a, const std::string& cluster_a_extra = "") {
  return absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: cluster-a
  cluster:
    server: https://10.0.0.1:6443
)", cluster_a_extra, R"(- name: cluster-b
  cluster:
    server: https://kube.example.com/k8s/
    insecure-skip-tls-verify: true
users:
- name: user-a
  user:
)", user_a, R"(- name: user-b
  user:
    token: token-b
contexts:
- name: ctx-a
  context:
    cluster: cluster-a
    user: user-a
    namespace: team-a
- name: ctx-b
  context:
    cluster: cluster-b
    user: user-b
)");
}

TEST(LoadKubeconfigTest, TokenCaDataAndNamespaceFromCurrentContext) {
  TempDir dir;
  const std::string path = dir.Write(
      "config", Kubeconfig("    token: abc.def\n", absl::StrCat("    certificate-authority-data: ", B64(kCaPem), "\n")));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->bearer_token, "abc.def");
  EXPECT_TRUE(config->token_file.empty());
  EXPECT_EQ(config->ns, "team-a");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST(LoadKubeconfigTest, NamedContextWinsOverCurrentContext) {
  TempDir dir;
  const std::string path = dir.Write("config", Kubeconfig("    token: a\n"));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path, "ctx-b");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://kube.example.com/k8s/");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->bearer_token, "token-b");
  EXPECT_EQ(config->ns, "default");  // the context sets none
}

TEST(LoadKubeconfigTest, RelativeFilesResolveAgainstTheKubeconfigDirectory) {
  TempDir dir;
  dir.Write("pki/ca.crt", kCaPem);
  dir.Write("pki/client.crt", kCertPem);
  dir.Write("pki/client.key", kKeyPem);
  dir.Write("secrets/token", "file-token\n");
  const std::string path = dir.Write(
      "conf/config",
      Kubeconfig("    client-certificate: ../pki/client.crt\n    client-key: ../pki/client.key\n"
                 "    tokenFile: ../secrets/token\n",
                 "    certificate-authority: ../pki/ca.crt\n"));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->client_cert_pem, kCertPem);
  EXPECT_EQ(config->client_key_pem, kKeyPem);
  EXPECT_EQ(config->bearer_token, "file-token");
  EXPECT_THAT(config->token_file, HasSubstr("secrets/token"));
}

TEST(LoadKubeconfigTest, AbsoluteCaFileAndClientCertData) {
  TempDir dir;
  const std::string ca = dir.Write("ca.pem", kCaPem);
  const std::string path = dir.Write(
      "config", Kubeconfig(absl::StrCat("    client-certificate-data: ", B64(kCertPem),
                                        "\n    client-key-data: ", B64(kKeyPem), "\n"),
                           absl::StrCat("    certificate-authority: ", ca, "\n")));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->client_cert_pem, kCertPem);
  EXPECT_EQ(config->client_key_pem, kKeyPem);
  EXPECT_TRUE(config->bearer_token.empty());
}

TEST(LoadKubeconfigTest, TokenTakesPrecedenceOverTokenFile) {
  TempDir dir;
  const std::string path = dir.Write("config", Kubeconfig("    token: inline\n    tokenFile: /does/not/exist\n"));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bearer_token, "inline");
  EXPECT_TRUE(config->token_file.empty());
}

TEST(LoadKubeconfigTest, ContextWithoutUserIsAnonymous) {
  TempDir dir;
  const std::string path = dir.Write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "http://127.0.0.1:8080"}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "http://127.0.0.1:8080");
  EXPECT_TRUE(config->bearer_token.empty());
  EXPECT_TRUE(config->client_cert_pem.empty());
}

// Broken kubeconfigs: each error names the file and the problem.
struct BrokenCase {
  const char* name;
  std::string content;
  std::string context;
  std::string expected;  // substring after "kubeconfig <path>: "
  absl::StatusCode code;
};

void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.name; }

class BrokenKubeconfigTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenKubeconfigTest, ReportsFileAndProblem) {
  const BrokenCase& c = GetParam();
  TempDir dir;
  const std::string path = dir.Write("config", c.content);
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path, c.context);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), c.code) << config.status();
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(absl::StrCat("kubeconfig ", path, ": ", c.expected)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BrokenKubeconfigTest,
    ::testing::Values(
        BrokenCase{"ContextNotFound", Kubeconfig("    token: a\n"), "foo", "context \"foo\" not found",
                   absl::StatusCode::kNotFound},
        BrokenCase{"NoCurrentContext", "clusters: []\n", "", "no current-context is set",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"ClusterNotFound",
                   "current-context: c\ncontexts: [{name: c, context: {cluster: nope, user: u}}]\n", "",
                   "context \"c\": cluster \"nope\" not found", absl::StatusCode::kNotFound},
        BrokenCase{"UserNotFound",
                   "current-context: c\nclusters: [{name: k, cluster: {server: 'https://a:1'}}]\n"
                   "contexts: [{name: c, context: {cluster: k, user: ghost}}]\n",
                   "", "context \"c\": user \"ghost\" not found", absl::StatusCode::kNotFound},
        BrokenCase{"ServerMissing",
                   "current-context: c\nclusters: [{name: k, cluster: {}}]\n"
                   "contexts: [{name: c, context: {cluster: k}}]\n",
                   "", "cluster \"k\": server is not set", absl::StatusCode::kInvalidArgument},
        BrokenCase{"BadServerUrl",
                   "current-context: c\nclusters: [{name: k, cluster: {server: 'ftp://x'}}]\n"
                   "contexts: [{name: c, context: {cluster: k}}]\n",
                   "", "cluster \"k\": server URL \"ftp://x\": scheme must be https or http",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"ClientKeyDataNotBase64", Kubeconfig(absl::StrCat("    client-certificate-data: ", B64(kCertPem),
                                                                     "\n    client-key-data: '%%%not base64'\n")),
                   "", "user \"user-a\": client-key-data is not valid base64", absl::StatusCode::kInvalidArgument},
        BrokenCase{"CaDataNotBase64", Kubeconfig("    token: a\n", "    certificate-authority-data: '!!'\n"), "",
                   "cluster \"cluster-a\": certificate-authority-data is not valid base64",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"CaDataNotPem", Kubeconfig("    token: a\n", absl::StrCat("    certificate-authority-data: ",
                                                                             B64("hello"), "\n")),
                   "", "cluster \"cluster-a\": certificate-authority-data does not contain PEM data",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"CaFileMissing", Kubeconfig("    token: a\n", "    certificate-authority: missing-ca.crt\n"), "",
                   "cluster \"cluster-a\": certificate-authority ", absl::StatusCode::kInvalidArgument},
        BrokenCase{"ExecPlugin", Kubeconfig("    exec:\n      command: aws\n"), "",
                   "user \"user-a\": exec credential plugins are not supported: use a token or client certificate",
                   absl::StatusCode::kUnimplemented},
        BrokenCase{"AuthProvider", Kubeconfig("    auth-provider:\n      name: oidc\n"), "",
                   "user \"user-a\": auth-provider is not supported: use a token or client certificate",
                   absl::StatusCode::kUnimplemented},
        BrokenCase{"BasicAuth", Kubeconfig("    username: admin\n    password: pw\n"), "",
                   "user \"user-a\": basic authentication is not supported", absl::StatusCode::kUnimplemented},
        BrokenCase{"CertWithoutKey",
                   Kubeconfig(absl::StrCat("    client-certificate-data: ", B64(kCertPem), "\n")), "",
                   "user \"user-a\": client-certificate is set without a client-key",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"InsecureWithCa",
                   Kubeconfig("    token: a\n", absl::StrCat("    insecure-skip-tls-verify: true\n"
                                                             "    certificate-authority-data: ",
                                                             B64(kCaPem), "\n")),
                   "", "cluster \"cluster-a\": insecure-skip-tls-verify cannot be combined with a certificate authority",
                   absl::StatusCode::kInvalidArgument},
        BrokenCase{"TokenFileMissing", Kubeconfig("    tokenFile: nope/token\n"), "",
                   "user \"user-a\": tokenFile ", absl::StatusCode::kInvalidArgument},
        BrokenCase{"InvalidYaml", "clusters: [\n", "", "invalid YAML", absl::StatusCode::kInvalidArgument},
        BrokenCase{"NotAMapping", "- a\n- b\n", "", "not a kubeconfig", absl::StatusCode::kInvalidArgument}),
    [](const ::testing::TestParamInfo<BrokenCase>& info) { return std::string(info.param.name); });

TEST(LoadKubeconfigTest, MissingFileNamesIt) {
  absl::StatusOr<RestConfig> config = LoadKubeconfig("/nonexistent/dir/config");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("kubeconfig /nonexistent/dir/config: "));
}

TEST(LoadFromEnvironmentTest, UsesTheFirstExistingFileOfKubeconfigList) {
  TempDir dir;
  const std::string second = dir.Write("second", Kubeconfig("    token: from-second\n"));
  const std::string third = dir.Write("third", Kubeconfig("    token: from-third\n"));
  const std::string list = absl::StrCat(dir.path().string(), "/missing:", second, ":", third);
  ScopedEnv env("KUBECONFIG", list.c_str());
  absl::StatusOr<RestConfig> config = LoadFromEnvironment();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bearer_token, "from-second");
  absl::StatusOr<RestConfig> named = LoadFromEnvironment("ctx-b");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->bearer_token, "token-b");
}

TEST(LoadFromEnvironmentTest, NoneOfTheListedFilesExists) {
  ScopedEnv env("KUBECONFIG", "/nope/a:/nope/b");
  absl::StatusOr<RestConfig> config = LoadFromEnvironment();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("KUBECONFIG=/nope/a:/nope/b"));
}

TEST(LoadFromEnvironmentTest, FallsBackToHomeKubeConfig) {
  TempDir dir;
  dir.Write(".kube/config", Kubeconfig("    token: from-home\n"));
  ScopedEnv kubeconfig("KUBECONFIG", nullptr);
  ScopedEnv home("HOME", dir.path().c_str());
  absl::StatusOr<RestConfig> config = LoadFromEnvironment();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bearer_token, "from-home");
}

TEST(LoadFromEnvironmentTest, NoHomeConfig) {
  TempDir dir;
  ScopedEnv kubeconfig("KUBECONFIG", nullptr);
  ScopedEnv home("HOME", dir.path().c_str());
  absl::StatusOr<RestConfig> config = LoadFromEnvironment();
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(".kube/config does not exist"));
}

InClusterPaths PathsIn(const TempDir& dir) {
  InClusterPaths paths;
  paths.token_file = (dir.path() / "token").string();
  paths.ca_file = (dir.path() / "ca.crt").string();
  paths.namespace_file = (dir.path() / "namespace").string();
  return paths;
}

TEST(InClusterConfigTest, ReadsServiceAccountFilesAndEnvironment) {
  TempDir dir;
  dir.Write("token", "sa-token\n");
  dir.Write("ca.crt", kCaPem);
  dir.Write("namespace", "srfleet-system\n");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  absl::StatusOr<RestConfig> config = InClusterConfig(PathsIn(dir));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->bearer_token, "sa-token");
  EXPECT_EQ(config->token_file, (dir.path() / "token").string());
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->ns, "srfleet-system");
}

TEST(InClusterConfigTest, Ipv6HostIsBracketedAndNamespaceDefaults) {
  TempDir dir;
  dir.Write("token", "t");
  dir.Write("ca.crt", kCaPem);
  InClusterPaths paths = PathsIn(dir);
  paths.host = "fd00::1";
  paths.port = "6443";
  absl::StatusOr<RestConfig> config = InClusterConfig(paths);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00::1]:6443");
  EXPECT_EQ(config->ns, "default");
}

TEST(InClusterConfigTest, OutsideAPod) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
  ScopedEnv port("KUBERNETES_SERVICE_PORT", nullptr);
  absl::StatusOr<RestConfig> config = InClusterConfig();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("KUBERNETES_SERVICE_HOST"));
}

TEST(InClusterConfigTest, MissingTokenOrCa) {
  TempDir dir;
  InClusterPaths paths = PathsIn(dir);
  paths.host = "10.0.0.1";
  paths.port = "443";
  absl::StatusOr<RestConfig> no_token = InClusterConfig(paths);
  ASSERT_FALSE(no_token.ok());
  EXPECT_THAT(std::string(no_token.status().message()), HasSubstr("service account token"));
  EXPECT_THAT(std::string(no_token.status().message()), HasSubstr(paths.token_file));

  dir.Write("token", "t");
  absl::StatusOr<RestConfig> no_ca = InClusterConfig(paths);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_THAT(std::string(no_ca.status().message()), HasSubstr("CA bundle"));
}

}  // namespace
}  // namespace srfleet::kube
