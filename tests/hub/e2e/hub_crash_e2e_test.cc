// The srfleet-hub process killed with SIGKILL and restarted on the same
// store: acknowledged intents are all there, agents reconnect and resync,
// and the clusters see zero writes when nothing changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include "tests/hub/e2e/fleet_harness.h"
#include "tests/support/free_port.h"

extern char** environ;

namespace srfleet::fleet_e2e {
namespace {


class HubProcess {
 public:
  HubProcess(std::string data_dir, int port) : data_dir_(std::move(data_dir)), port_(port) {}
  ~HubProcess() { Kill(SIGTERM); }
  bool Start() {
    std::vector<std::string> args = {SRFLEET_HUB_BINARY, "--data-dir", data_dir_, "--insecure",
                                     "--listen", absl::StrCat("127.0.0.1:", port_), "--http-listen", "",
                                     "--heartbeat-interval", "300ms", "--liveness-timeout", "2s",
                                     "--log-level", "warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return false;
    // Serving means answering an RPC, not just accepting a connection.
    auto stub = fleet::v1::Fleet::NewStub(grpc::CreateChannel(target(), grpc::InsecureChannelCredentials()));
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      fleet::v1::ListClustersResponse resp;
      if (stub->ListClusters(&ctx, fleet::v1::ListClustersRequest(), &resp).ok()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }
  void Kill(int sig) {
    if (pid_ <= 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      ADD_FAILURE() << "srfleet-hub exited on its own: " << (WIFSIGNALED(status) ? "signal " : "status ")
                    << (WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    } else {
      ::kill(pid_, sig);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  std::string data_dir_;
  int port_;
  pid_t pid_ = -1;
};

TEST(HubCrashTest, KillNineLosesNoAcknowledgedIntentAndResyncWritesNothing) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("hub-crash-", ::getpid(), "-", absl::ToUnixNanos(absl::Now())))
                              .string();
  std::filesystem::create_directories(dir);
  HubProcess hub(dir, srfleet::testing::FreeLoopbackPort());
  ASSERT_TRUE(hub.Start());
  FleetClient fleet(hub.target());
  ASSERT_TRUE(fleet.Register("east", {{"env", "prod"}}).ok());
  ASSERT_TRUE(fleet.Register("west", {{"env", "prod"}}).ok());
  Member east(ClusterSpec{"east", false, {}});
  Member west(ClusterSpec{"west", true, {}});
  east.StartLink(hub.target());
  west.StartLink(hub.target());

  // Every apply the hub acknowledged, in order; the last is killed mid-way.
  std::map<std::string, int64_t> acked;
  for (int i = 0; i < 5; ++i) {
    const std::string name = absl::StrCat("r", i);
    auto applied = fleet.Apply(SimpleRouter(name), Selector("env", "prod"));
    ASSERT_TRUE(applied.ok()) << applied.status();
    acked[applied->intent_id()] = applied->revision();
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& [id, rev] : acked) {
      if (fleet.PhaseOn(id, "east") != "Running" || fleet.PhaseOn(id, "west") != "Running") return false;
    }
    return true;
  }, absl::Seconds(60)));
  const int64_t connects_before = east.link()->stats().connects + west.link()->stats().connects;
  // Let the rollout's trailing writes (Events are batched) settle, so the
  // counters then measure the resync alone.
  ASSERT_TRUE(WaitFor([&] {
    east.h().cluster().ResetCounters();
    west.h().cluster().ResetCounters();
    absl::SleepFor(absl::Seconds(1));
    return east.h().cluster().counters().writes() == 0 && west.h().cluster().counters().writes() == 0;
  }, absl::Seconds(30)));

  hub.Kill(SIGKILL);
  ASSERT_TRUE(hub.Start());
  FleetClient after(hub.target());
  for (const auto& [id, rev] : acked) {
    auto view = after.Get(id);
    ASSERT_TRUE(view) << id << " lost in the crash: " << after.last_error();
    EXPECT_EQ(view->revision(), rev);
  }
  ASSERT_TRUE(WaitFor([&] {
    return east.link()->stats().connects + west.link()->stats().connects >= connects_before + 2 &&
           after.ClusterState("east") == "Connected" && after.ClusterState("west") == "Connected";
  }, absl::Seconds(30)));
  // Resynced: the hub knows what each cluster holds and sees it Running again.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& [id, rev] : acked) {
      auto v = after.Get(id);
      if (!v || v->deliveries_size() != 2) return false;
      for (const auto& d : v->deliveries()) {
        if (d.acked_revision() != rev || d.status().phase() != "Running") return false;
      }
    }
    return true;
  }, absl::Seconds(30)));
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(east.h().cluster().counters().writes(), 0) << "east was written to on a resync with nothing changed";
  EXPECT_EQ(west.h().cluster().counters().writes(), 0) << "west was written to on a resync with nothing changed";
  EXPECT_EQ(east.link()->stats().upserts_applied + west.link()->stats().upserts_applied, 10);

  east.StopLink();
  west.StopLink();
  hub.Kill(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace srfleet::fleet_e2e
