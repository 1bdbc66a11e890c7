// The real kubectl against kubesim over HTTPS, as a user would run it:
// `apply` with strict validation (which needs OpenAPI v3 to hand validation
// to the server), server-side apply, `create`, the strict-validation error for
// an unknown field, `get` with server-side printing, `explain`.
//
// The cluster is mounted under a path prefix (/clusters/e2e), so the
// OpenAPI links must carry it. Skips when kubectl is not on PATH.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"
#include "tests/support/test_files.h"

extern char** environ;

namespace srfleet::kubesim {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPrefix[] = "/clusters/e2e";
constexpr auto kKubectlDeadline = std::chrono::seconds(60);

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    fs::path candidate = fs::path(std::string(dir)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The whitespace-separated words of the first line.
std::vector<std::string> Header(const std::string& out) {
  std::string first = out.substr(0, out.find('\n'));
  return absl::StrSplit(first, ' ', absl::SkipEmpty());
}

// The line whose first word is `name` ("" when none).
std::string RowOf(const std::string& out, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (line.substr(0, line.find(' ')) == name) return std::string(line);
  }
  return "";
}

// Sample files: ours and, when present, upstream's (kustomization aside).
std::vector<fs::path> SampleFiles() {
  std::vector<fs::path> files;
  for (const fs::path& dir :
       {srfleet::testing_support::SourceDir() / "samples", srfleet::testing_support::ReferenceDir() / "upstream-samples"}) {
    if (!fs::exists(dir)) continue;
    std::vector<fs::path> here;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".yaml" && e.path().filename() != "kustomization.yaml") here.push_back(e.path());
    }
    std::sort(here.begin(), here.end());
    files.insert(files.end(), here.begin(), here.end());
  }
  return files;
}

// Namespaces the samples put objects in (metadata.namespace at two spaces).
std::set<std::string> SampleNamespaces() {
  std::set<std::string> out = {"vllm-serving"};
  const std::regex ns("^  namespace:\\s*([a-z0-9-]+)");
  for (const auto& f : SampleFiles()) {
    for (absl::string_view line : absl::StrSplit(srfleet::testing_support::ReadFile(f), '\n')) {
      std::smatch m;
      std::string l(line);
      if (std::regex_search(l, m, ns)) out.insert(m[1]);
    }
  }
  return out;
}

class KubectlE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kubectl_ = new std::string(FindOnPath("kubectl"));
    if (kubectl_->empty()) return;
    cluster_ = new Cluster(ClusterOptions{});
    if (!cluster_->InstallSemanticRouterCrd().ok()) return;
    auto server = SimServer::Start(SimServerOptions{});
    if (!server.ok()) return;
    server_ = server->release();
    server_->Mount(kPrefix, cluster_);
    char tmpl[] = "/tmp/kubectl_e2e_XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = new fs::path(tmpl);
    srfleet::testing_support::WriteFile(*dir_ / "kubeconfig", server_->KubeconfigYaml(kPrefix, ""));
  }

  static void TearDownTestSuite() {
    if (server_) server_->Stop();
    delete server_;
    delete cluster_;
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    delete kubectl_;
    server_ = nullptr;
    cluster_ = nullptr;
    dir_ = nullptr;
    kubectl_ = nullptr;
  }

  void SetUp() override {
    if (kubectl_->empty()) GTEST_SKIP() << "kubectl is not on PATH; skipping the kubectl end-to-end test";
    ASSERT_NE(server_, nullptr) << "kubesim did not start";
    ASSERT_NE(dir_, nullptr);
  }

  // Runs kubectl with the test's kubeconfig and a private cache; waits at
  // most kKubectlDeadline, then kills it.
  static RunResult Kubectl(const std::vector<std::string>& args) {
    RunResult result;
    const fs::path out = *dir_ / "stdout", err = *dir_ / "stderr";
    std::vector<std::string> argv_s = {*kubectl_, "--kubeconfig=" + (*dir_ / "kubeconfig").string(),
                                       "--cache-dir=" + (*dir_ / "cache").string(), "--request-timeout=20s"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Same environment, but KUBECONFIG pointing at ours (version dispatchers
    // such as gcloud's kubectl read it before parsing flags).
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      if (std::string(*e).rfind("KUBECONFIG=", 0) != 0) env_s.emplace_back(*e);
    }
    env_s.push_back("KUBECONFIG=" + (*dir_ / "kubeconfig").string());
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, kubectl_->c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      result.err = "posix_spawn failed";
      return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + kKubectlDeadline;
    int status = 0;
    while (true) {
      pid_t done = waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0) return result;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);  // the child this test started
        waitpid(pid, &status, 0);
        result.err = "kubectl timed out: " + absl::StrJoin(args, " ");
        return result;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = srfleet::testing_support::ReadFile(out);
    result.err = srfleet::testing_support::ReadFile(err);
    return result;
  }

  static void EnsureNamespaces() {
    for (const auto& ns : SampleNamespaces()) {
      if (Kubectl({"get", "namespace", ns}).exit_code == 0) continue;
      RunResult r = Kubectl({"create", "namespace", ns});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_THAT(r.out, HasSubstr("namespace/" + ns + " created"));
    }
  }

  // A manifest in the test directory, from simple.yaml with a new name (and
  // optionally an extra spec line).
  static fs::path Manifest(const std::string& name, const std::string& extra_spec_line = "") {
    std::string text = srfleet::testing_support::ReadFile(srfleet::testing_support::SourceDir() / "samples" /
                                                          "simple.yaml");
    text = std::regex_replace(text, std::regex("name: simple"), "name: " + name);
    if (!extra_spec_line.empty()) text = std::regex_replace(text, std::regex("\nspec:\n"), "\nspec:\n" + extra_spec_line + "\n");
    fs::path path = *dir_ / (name + ".yaml");
    srfleet::testing_support::WriteFile(path, text);
    return path;
  }

  static std::string* kubectl_;
  static Cluster* cluster_;
  static SimServer* server_;
  static fs::path* dir_;
};

std::string* KubectlE2eTest::kubectl_ = nullptr;
Cluster* KubectlE2eTest::cluster_ = nullptr;
SimServer* KubectlE2eTest::server_ = nullptr;
fs::path* KubectlE2eTest::dir_ = nullptr;

TEST_F(KubectlE2eTest, ApplyStrictEverySample) {
  EnsureNamespaces();
  auto files = SampleFiles();
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    RunResult r = Kubectl({"apply", "--validate=strict", "-f", f.string()});
    EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, ::testing::ContainsRegex("(created|configured|unchanged)")) << f;
  }
  // Applying again changes nothing that kubectl would report as an error.
  RunResult again = Kubectl({"apply", "--validate=strict", "-f", files.front().string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(KubectlE2eTest, ServerSideApplyEverySample) {
  EnsureNamespaces();
  for (const auto& f : SampleFiles()) {
    RunResult r = Kubectl({"apply", "--server-side", "--validate=strict", "-f", f.string()});
    EXPECT_EQ(r.exit_code, 0) << f << "\n" << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("serverside-applied")) << f;
  }
}

TEST_F(KubectlE2eTest, CreateThenCreateAgainConflicts) {
  EnsureNamespaces();
  fs::path m = Manifest("e2e-create");
  RunResult r = Kubectl({"create", "-f", m.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("semanticrouter.vllm.ai/e2e-create created"));
  r = Kubectl({"create", "-f", m.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("AlreadyExists"));
}

TEST_F(KubectlE2eTest, UnknownFieldIsRefusedByServerSideStrictValidation) {
  EnsureNamespaces();
  fs::path bad = Manifest("e2e-bad", "  bogusField: 1");
  const std::string message =
      "SemanticRouter in version \"v1alpha1\" cannot be handled as a SemanticRouter: strict decoding error: unknown "
      "field \"spec.bogusField\"";
  RunResult r = Kubectl({"apply", "--validate=strict", "-f", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("Error from server (BadRequest): error when creating \"" + bad.string() + "\": " +
                               message));
  r = Kubectl({"create", "-f", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(message));
  r = Kubectl({"apply", "--server-side", "-f", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(".spec.bogusField: field not declared in schema"));
  // --validate=false: the server drops the field silently.
  r = Kubectl({"apply", "--validate=false", "-f", bad.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Kubectl({"get", "sr", "e2e-bad", "-n", "llm", "-o", "jsonpath={.spec}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("bogusField")));
}

TEST_F(KubectlE2eTest, GetShowsThePrinterColumns) {
  EnsureNamespaces();
  fs::path m = Manifest("e2e-get");
  ASSERT_EQ(Kubectl({"apply", "-f", m.string()}).exit_code, 0);
  RunResult r = Kubectl({"get", "sr", "-n", "llm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Header(r.out), ElementsAre("NAME", "REPLICAS", "READY", "PHASE", "AGE")) << r.out;
  std::vector<std::string> row = absl::StrSplit(RowOf(r.out, "e2e-get"), ' ', absl::SkipEmpty());
  ASSERT_EQ(row.size(), 3u) << r.out;  // READY and PHASE are empty until the agent reports
  EXPECT_EQ(row[1], "1");
  EXPECT_TRUE(std::regex_match(row[2], std::regex("[0-9]+s"))) << row[2];

  r = Kubectl({"get", "semanticrouters", "-A", "-o", "wide"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Header(r.out), ElementsAre("NAMESPACE", "NAME", "REPLICAS", "READY", "PHASE", "MODE", "AGE"));
  r = Kubectl({"get", "sr", "e2e-get", "-n", "llm", "--no-headers"});
  EXPECT_THAT(r.out, ::testing::StartsWith("e2e-get"));
}

TEST_F(KubectlE2eTest, GetBuiltinKinds) {
  RunResult r = Kubectl({"create", "namespace", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Kubectl({"create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "-n", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Kubectl({"expose", "deployment", "web", "--port=80", "--target-port=8080", "-n", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Kubectl({"create", "configmap", "conf", "--from-literal=a=1", "--from-literal=b=2", "-n", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = Kubectl({"get", "deploy", "-n", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Header(r.out), ElementsAre("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"));
  std::vector<std::string> row = absl::StrSplit(RowOf(r.out, "web"), ' ', absl::SkipEmpty());
  ASSERT_EQ(row.size(), 5u) << r.out;
  EXPECT_EQ(row[1], "2/2");
  EXPECT_EQ(row[2], "2");
  EXPECT_EQ(row[3], "2");

  r = Kubectl({"get", "svc", "-n", "e2e-apps"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Header(r.out), ElementsAre("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"));
  EXPECT_THAT(RowOf(r.out, "web"), ::testing::ContainsRegex("ClusterIP +[0-9.]+ +<none> +80/TCP"));

  r = Kubectl({"get", "configmaps", "-n", "e2e-apps"});
  EXPECT_THAT(Header(r.out), ElementsAre("NAME", "DATA", "AGE"));
  EXPECT_THAT(RowOf(r.out, "conf"), ::testing::ContainsRegex("^conf +2 +"));

  r = Kubectl({"get", "namespaces"});
  EXPECT_THAT(Header(r.out), ElementsAre("NAME", "STATUS", "AGE"));
  EXPECT_THAT(RowOf(r.out, "e2e-apps"), ::testing::ContainsRegex("Active"));
  r = Kubectl({"get", "deploy", "-A"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Header(r.out), ElementsAre("NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"));
}

TEST_F(KubectlE2eTest, ExplainReadsTheCrdSchema) {
  RunResult r = Kubectl({"explain", "semanticrouter.spec"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("KIND:       SemanticRouter"));
  EXPECT_THAT(r.out, HasSubstr("FIELDS:"));
  EXPECT_THAT(r.out, HasSubstr("vllmEndpoints"));
}

}  // namespace
}  // namespace srfleet::kubesim
