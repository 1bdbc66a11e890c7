// The srfleet-agent binary itself: `--simulate` starts an in-process kubesim
// and writes its kubeconfig, a SemanticRouter applied through it reaches
// Running, /healthz /readyz /metrics answer (with reconcile and API request
// metrics), and SIGTERM shuts down cleanly (exit 0, kubeconfig removed).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"
#include "shared/json/yaml_codec.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/rest_config.h"
#include "tests/agent/e2e/agent_e2e_support.h"
#include "tests/shared/kube/temp_dir.h"
#include "tests/support/test_files.h"

extern char** environ;

namespace srfleet::agent::e2e {
namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// A plain HTTP/1.1 GET; returns "" when nothing answers.
std::string HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// One srfleet-agent process, its log and its ops port; killed if still
// running at scope exit.
struct AgentProcess {
  pid_t pid = 0;
  int port = 0;
  std::string log;
  bool reaped = false;

  AgentProcess(std::vector<std::string> args, const std::string& log_path) : port(FreePort()), log(log_path) {
    args.insert(args.begin(), SRFLEET_AGENT_BINARY);
    args.push_back("--metrics-bind-address");
    args.push_back(absl::StrCat("127.0.0.1:", port));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid, SRFLEET_AGENT_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid = 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~AgentProcess() {
    if (pid > 0 && !reaped) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string Log() const { return testing_support::ReadFile(log); }
  // The sample line, not the HELP text (which starts the same way).
  bool Leader() const { return HttpGet(port, "/metrics").find("\nsrfleet_agent_leader 1\n") != std::string::npos; }
  // SIGTERM, then the exit status (-1 when it did not exit in time).
  int Terminate() {
    ::kill(pid, SIGTERM);
    int status = -1;
    if (!WaitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, absl::Seconds(10))) return -1;
    reaped = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST(AgentBinaryTest, LeaderElectionLetsOneReplicaReconcileAndHandsOver) {
  // The cluster lives in this process; two agents reach it through a kubeconfig.
  testing::KubesimEnv env(SimOptions());
  ASSERT_TRUE(env.ok());
  ASSERT_TRUE(env.cluster().InstallSemanticRouterCrd().ok());
  kube::testing::TempDir dir;
  const std::string kubeconfig = dir.Write("kubeconfig", env.server().KubeconfigYaml("", testing::kSimToken));
  auto client = env.NewClient();
  ASSERT_TRUE(client->Create(kube::ResourceRef::Core("namespaces"),
                             {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "llm"}}}})
                  .ok());
  ASSERT_TRUE(client->Create(kube::ResourceRef::Core("services", "llm"),
                             {{"apiVersion", "v1"},
                              {"kind", "Service"},
                              {"metadata", {{"name", "vllm-qwen"}, {"namespace", "llm"}}},
                              {"spec", {{"ports", Json::array({{{"port", 8000}}})}}}})
                  .ok());
  const std::vector<std::string> args = {"--kubeconfig", kubeconfig, "--leader-elect=true",
                                         "--leader-election-namespace", "default"};
  AgentProcess a(args, (dir.path() / "a.log").string());
  AgentProcess b(args, (dir.path() / "b.log").string());
  ASSERT_GT(a.pid, 0);
  ASSERT_GT(b.pid, 0);
  ASSERT_TRUE(WaitFor([&] { return a.Leader() || b.Leader(); }, absl::Seconds(20))) << a.Log() << b.Log();
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_NE(a.Leader(), b.Leader()) << "exactly one leader\n" << a.Log() << "\n" << b.Log();
  AgentProcess& leader = a.Leader() ? a : b;
  AgentProcess& standby = a.Leader() ? b : a;
  // The standby is alive and ready (warm caches, able to take over): a
  // standby that reported 503 would stall every rolling update of a
  // 2-replica Deployment. Who leads shows in srfleet_agent_leader.
  EXPECT_NE(HttpGet(standby.port, "/healthz").find(" 200 "), std::string::npos);
  EXPECT_NE(HttpGet(standby.port, "/readyz").find(" 200 "), std::string::npos);
  EXPECT_NE(HttpGet(leader.port, "/readyz").find(" 200 "), std::string::npos);
  EXPECT_NE(HttpGet(standby.port, "/metrics").find("srfleet_agent_leader 0"), std::string::npos);
  EXPECT_NE(HttpGet(leader.port, "/metrics").find("srfleet_agent_leader 1"), std::string::npos);

  absl::StatusOr<Json> sample =
      ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / "simple.yaml"));
  ASSERT_TRUE(sample.ok());
  ASSERT_TRUE(client->Create(RouterKindInfo().ref.WithNamespace("llm"), *sample).ok());
  auto phase = [&] {
    absl::StatusOr<Json> r = client->Get(RouterKindInfo().ref.WithNamespace("llm").WithName("simple"));
    return r.ok() ? StringField(*r, {"status", "phase"}) : std::string();
  };
  EXPECT_TRUE(WaitFor([&] { return phase() == "Running"; }, absl::Seconds(15)));
  EXPECT_EQ(standby.Log().find("msg=\"applied\""), std::string::npos) << "the standby wrote";

  // The leader stops (releasing the Lease); the standby takes over at once.
  EXPECT_EQ(leader.Terminate(), 0) << leader.Log();
  EXPECT_TRUE(WaitFor([&] { return standby.Leader(); }, absl::Seconds(15))) << standby.Log();
  ASSERT_TRUE(client->MergePatch(RouterKindInfo().ref.WithNamespace("llm").WithName("simple"),
                                 {{"spec", {{"replicas", 2}}}})
                  .ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<Json> d = client->Get(kube::ResourceRef::Grouped("apps", "v1", "deployments", "llm", "simple"));
        return d.ok() && IntField(*d, {"spec", "replicas"}) == 2;
      },
      absl::Seconds(15)))
      << standby.Log();
  EXPECT_EQ(standby.Terminate(), 0);
}

TEST(AgentBinaryTest, SimulateServesApplyMetricsAndStopsOnSigterm) {
  kube::testing::TempDir dir;
  const std::string kubeconfig = (dir.path() / "sim.kubeconfig").string();
  const std::string log = (dir.path() / "agent.log").string();
  const int port = FreePort();
  ASSERT_GT(port, 0);
  std::vector<std::string> args = {SRFLEET_AGENT_BINARY,
                                   "--simulate",
                                   "--simulate-kubeconfig-out",
                                   kubeconfig,
                                   "--metrics-bind-address",
                                   absl::StrCat("127.0.0.1:", port),
                                   "--workers",
                                   "2",
                                   "--resync-period",
                                   "30s"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, SRFLEET_AGENT_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  struct Reaper {  // never leave the child behind, whatever fails
    pid_t pid;
    bool reaped = false;
    ~Reaper() {
      if (!reaped) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};

  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/readyz").find(" 200 ") != std::string::npos; },
                      absl::Seconds(20)))
      << testing_support::ReadFile(log);
  EXPECT_NE(HttpGet(port, "/healthz").find("ok"), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(kubeconfig));
  EXPECT_TRUE(WaitFor([&] {
    return testing_support::ReadFile(log).find("kubectl --kubeconfig " + kubeconfig + " apply -f samples/simple.yaml") !=
           std::string::npos;
  }));
  EXPECT_NE(testing_support::ReadFile(log).find("msg=\"platform detected\" openshift=false kubernetes=v1.30"), std::string::npos);

  absl::StatusOr<kube::RestConfig> config = kube::LoadKubeconfig(kubeconfig);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<kube::KubeClient>> client = kube::KubeClient::New(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<Json> sample =
      ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / "simple.yaml"));
  ASSERT_TRUE(sample.ok());
  // The simulated cluster comes with the sample's namespace and backend.
  absl::StatusOr<Json> created = (*client)->Create(RouterKindInfo().ref.WithNamespace("llm"), *sample);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<Json> r = (*client)->Get(RouterKindInfo().ref.WithNamespace("llm").WithName("simple"));
        return r.ok() && StringField(*r, {"status", "phase"}) == "Running";
      },
      absl::Seconds(15)))
      << testing_support::ReadFile(log);

  const std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("srfleet_agent_reconcile_total{result=\"success\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("srfleet_agent_reconcile_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("srfleet_agent_workqueue_depth"), std::string::npos);
  EXPECT_NE(metrics.find("verb=\"apply\""), std::string::npos);
  EXPECT_NE(metrics.find("\nsrfleet_agent_leader 1\n"), std::string::npos);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = -1;
  const bool exited = WaitFor(
      [&] {
        if (::waitpid(pid, &status, WNOHANG) == pid) return true;
        return false;
      },
      absl::Seconds(10));
  ASSERT_TRUE(exited) << testing_support::ReadFile(log);
  reaper.reaped = true;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << testing_support::ReadFile(log);
  EXPECT_FALSE(std::filesystem::exists(kubeconfig));
  EXPECT_NE(testing_support::ReadFile(log).find("msg=\"stopped\""), std::string::npos);
}

TEST(AgentBinaryTest, BadFlagsAreUsageErrors) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{SRFLEET_AGENT_BINARY, "--resync-period", "soon"},
        std::vector<std::string>{SRFLEET_AGENT_BINARY, "--metrics-bind-address", "nocolon"},
        std::vector<std::string>{SRFLEET_AGENT_BINARY, "--no-such-flag"}}) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, SRFLEET_AGENT_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    int status = -1;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << args[1];
  }
}

}  // namespace
}  // namespace srfleet::agent::e2e
