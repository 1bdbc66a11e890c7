// The srfleet-agent binary with --hub: `--simulate` gives it its own kubesim;
// the fake hub in this process sees Hello (cluster name, labels, platform
// claims), gets an intent materialised and reconciled to Running, and the
// stream closes on SIGTERM (exit 0).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/agent/e2e/agent_e2e_support.h"
#include "tests/agent/hublink/fake_hub.h"
#include "tests/agent/hublink/hublink_test_support.h"
#include "tests/shared/kube/temp_dir.h"
#include "tests/support/test_files.h"

extern char** environ;

namespace srfleet::agent::hublink {
namespace {

using e2e::WaitFor;
using testing::FakeHub;
using testing::RouterManifest;
using testing::UpsertOf;
namespace v1 = ::srfleet::fleet::v1;

// One srfleet-agent process with its output in `log`; killed at scope exit.
class AgentProcess {
 public:
  AgentProcess(std::vector<std::string> args, std::string log) : log_(std::move(log)) {
    args.insert(args.begin(), SRFLEET_AGENT_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, SRFLEET_AGENT_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~AgentProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  std::string Log() const { return testing_support::ReadFile(log_); }
  // SIGTERM, then the exit code (-1 when it did not exit in time).
  int Terminate() {
    ::kill(pid_, SIGTERM);
    int status = -1;
    if (!WaitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, absl::Seconds(15))) return -1;
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string log_;
  pid_t pid_ = 0;
  bool reaped_ = false;
};

TEST(AgentBinaryHubTest, SimulatedClusterTakesAnIntentFromTheHub) {
  std::unique_ptr<FakeHub> hub = FakeHub::Start();
  ASSERT_NE(hub, nullptr);
  kube::testing::TempDir dir;
  AgentProcess agent({"--simulate", "--simulate-kubeconfig-out", (dir.path() / "kubeconfig").string(),
                      "--metrics-bind-address", "127.0.0.1:0", "--hub", hub->address(), "--hub-insecure",
                      "--cluster-name", "sim-1", "--cluster-label", "env=dev", "--cluster-label", "region=eu"},
                     (dir.path() / "agent.log").string());
  ASSERT_TRUE(agent.started());

  ASSERT_TRUE(WaitFor([&] { return hub->open_streams() > 0 && !hub->hellos().empty(); }, absl::Seconds(30)))
      << agent.Log();
  const v1::Hello hello = hub->hellos().front();
  EXPECT_EQ(hello.cluster(), "sim-1");
  EXPECT_EQ(hello.labels().at("env"), "dev");
  EXPECT_EQ(hello.labels().at("region"), "eu");
  EXPECT_EQ(hello.claims().at("srfleet.io/platform"), "kubernetes");
  EXPECT_EQ(hello.claims().at("srfleet.io/kubernetes-version"), "1.30");
  EXPECT_EQ(hello.claims().at("srfleet.io/gateway-api"), "true");
  EXPECT_EQ(hello.claims().at("srfleet.io/kserve"), "true");
  EXPECT_EQ(hello.known_size(), 0);

  // --simulate seeds namespace llm and the vllm-qwen Service.
  ASSERT_TRUE(WaitFor([&] { return hub->Push(UpsertOf("u1", RouterManifest("llm", "from-hub"), 3)); }));
  ASSERT_TRUE(WaitFor([&] { return hub->ReplyTo("u1").has_value(); }, absl::Seconds(20))) << agent.Log();
  EXPECT_TRUE(hub->ReplyTo("u1")->has_ack()) << hub->ReplyTo("u1")->DebugString();
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& r : hub->reports()) {
          for (const auto& s : r.routers()) {
            if (s.name() == "from-hub" && s.phase() == "Running" && s.intent_revision() == 3) return true;
          }
        }
        return false;
      },
      absl::Seconds(30)))
      << agent.Log();

  EXPECT_EQ(agent.Terminate(), 0) << agent.Log();
  EXPECT_TRUE(WaitFor([&] { return hub->open_streams() == 0; }));
  EXPECT_NE(agent.Log().find("hub link: stopped"), std::string::npos);
}

TEST(AgentBinaryHubTest, HubConfigDirSelectsFleetModeAndAnEmptyOneStandalone) {
  std::unique_ptr<FakeHub> hub = FakeHub::Start();
  ASSERT_NE(hub, nullptr);
  kube::testing::TempDir dir;
  const std::filesystem::path config = dir.path() / "hub";
  std::filesystem::create_directories(config);
  {  // Empty (the optional Secret is absent): standalone, no dial.
    AgentProcess agent({"--simulate", "--metrics-bind-address", "127.0.0.1:0", "--hub-config-dir", config.string()},
                       (dir.path() / "standalone.log").string());
    ASSERT_TRUE(WaitFor([&] { return agent.Log().find("srfleet-agent running") != std::string::npos; },
                        absl::Seconds(30)));
    EXPECT_NE(agent.Log().find("hub=<none: standalone>"), std::string::npos) << agent.Log();
    EXPECT_EQ(agent.Terminate(), 0);
  }
  testing_support::WriteFile(config / "address", hub->address() + "\n");
  testing_support::WriteFile(config / "cluster-name", "from-secret\n");
  testing_support::WriteFile(config / "labels", "env=prod\nregion=eu\n");
  AgentProcess agent({"--simulate", "--metrics-bind-address", "127.0.0.1:0", "--hub-config-dir", config.string(),
                      "--hub-insecure"},
                     (dir.path() / "fleet.log").string());
  ASSERT_TRUE(WaitFor([&] { return !hub->hellos().empty(); }, absl::Seconds(30))) << agent.Log();
  const v1::Hello hello = hub->hellos().front();
  EXPECT_EQ(hello.cluster(), "from-secret");
  EXPECT_EQ(hello.labels().at("env"), "prod");
  EXPECT_EQ(hello.labels().at("region"), "eu");
  EXPECT_EQ(agent.Terminate(), 0) << agent.Log();
}

}  // namespace
}  // namespace srfleet::agent::hublink
