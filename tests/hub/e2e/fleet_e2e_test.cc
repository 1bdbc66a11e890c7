// Hub + three agents + three kubesim clusters in one process: placement,
// moves, status latency, a dying stream, NACKs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <sstream>

#include "hub/cli/describe_command.h"
#include "hub/cli/fleet_api.h"
#include "hub/server/hub_server.h"
#include "hub/store/intent_store.h"
#include "tests/hub/e2e/fleet_harness.h"

namespace srfleet::fleet_e2e {
namespace {

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("fleet-e2e-", ::getpid(), "-", absl::ToUnixNanos(absl::Now()));
    std::filesystem::create_directories(dir_);
    hub::SqliteStoreOptions so;
    so.path = (dir_ / "hub.db").string();
    so.synchronous_full = false;
    auto store = hub::OpenSqliteIntentStore(so);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    hub::HubOptions o;
    o.http_address = "";
    o.distributor.heartbeat_interval = absl::Milliseconds(300);
    o.distributor.liveness_timeout = absl::Seconds(2);
    o.tick_interval = absl::Milliseconds(50);
    auto hub = hub::HubServer::Start(*store_, o);
    ASSERT_TRUE(hub.ok()) << hub.status();
    hub_ = *std::move(hub);
    fleet_ = std::make_unique<FleetClient>(hub_->grpc_target());

    members_.push_back(std::make_unique<Member>(ClusterSpec{"east", false, {{"region", "us"}}}));
    members_.push_back(std::make_unique<Member>(ClusterSpec{"west", true, {{"region", "us"}}}));
    members_.push_back(std::make_unique<Member>(ClusterSpec{"lab", false, {{"region", "eu"}}}));
    ASSERT_TRUE(fleet_->Register("east", {{"env", "prod"}}).ok());
    ASSERT_TRUE(fleet_->Register("west", {{"env", "prod"}}).ok());
    ASSERT_TRUE(fleet_->Register("lab", {{"env", "dev"}}).ok());
    for (auto& m : members_) m->StartLink(hub_->grpc_target());
    for (auto& m : members_) {
      ASSERT_TRUE(WaitFor([&] { return fleet_->ClusterState(m->name()) == "Connected"; }, absl::Seconds(20)))
          << m->name();
    }
  }
  void TearDown() override {
    members_.clear();
    hub_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Member& member(const std::string& name) {
    for (auto& m : members_) {
      if (m->name() == name) return *m;
    }
    std::abort();
  }

  std::filesystem::path dir_;
  std::unique_ptr<hub::IntentStore> store_;
  std::unique_ptr<hub::HubServer> hub_;
  std::unique_ptr<FleetClient> fleet_;
  std::vector<std::unique_ptr<Member>> members_;
};

TEST_F(FleetTest, PlacementLandsOnMatchingClustersOnlyAndAChangeMovesIt) {
  auto applied = fleet_->Apply(SimpleRouter("r1"), Selector("env", "prod"));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(applied->target_clusters(), ::testing::UnorderedElementsAre("east", "west"));
  ASSERT_TRUE(WaitFor([&] { return member("east").HasRouter("llm", "r1") && member("west").HasRouter("llm", "r1"); },
                      absl::Seconds(20)));
  // Materialised as a hub-managed CR the reconciler then runs.
  auto cr = member("east").h().Router("llm", "r1");
  ASSERT_TRUE(cr);
  EXPECT_EQ((*cr)["metadata"]["labels"]["fleet.vllm.ai/managed-by"], "srfleet-hub");
  EXPECT_EQ((*cr)["metadata"]["annotations"]["fleet.vllm.ai/intent-id"], "llm/r1");
  EXPECT_EQ((*cr)["metadata"]["annotations"]["fleet.vllm.ai/revision"], std::to_string(applied->revision()));
  ASSERT_TRUE(WaitFor([&] { return fleet_->PhaseOn("llm/r1", "east") == "Running" &&
                                   fleet_->PhaseOn("llm/r1", "west") == "Running"; },
                      absl::Seconds(30)));
  EXPECT_FALSE(member("lab").HasRouter("llm", "r1"));

  // Move it to dev: added on lab, removed from east and west.
  auto moved = fleet_->Apply(SimpleRouter("r1"), Selector("env", "dev"));
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_THAT(moved->target_clusters(), ::testing::ElementsAre("lab"));
  ASSERT_TRUE(WaitFor([&] {
    return member("lab").HasRouter("llm", "r1") && !member("east").HasRouter("llm", "r1") &&
           !member("west").HasRouter("llm", "r1");
  }, absl::Seconds(20)));
  ASSERT_TRUE(WaitFor([&] {
    auto v = fleet_->Get("llm/r1");
    return v && v->deliveries_size() == 1 && v->deliveries(0).cluster() == "lab" &&
           v->deliveries(0).acked_revision() == moved->revision() && v->deliveries(0).status().phase() == "Running";
  }, absl::Seconds(30)));
}

TEST_F(FleetTest, PlacementOnAClaimSelectsTheOpenShiftCluster) {
  auto applied = fleet_->Apply(SimpleRouter("on-ocp"), Selector("srfleet.io/platform", "openshift"));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_THAT(applied->target_clusters(), ::testing::ElementsAre("west"));
  ASSERT_TRUE(WaitFor([&] { return member("west").HasRouter("llm", "on-ocp"); }, absl::Seconds(20)));
  EXPECT_FALSE(member("east").HasRouter("llm", "on-ocp"));
  EXPECT_FALSE(member("lab").HasRouter("llm", "on-ocp"));
}

TEST_F(FleetTest, StatusReachesTheHubWithinTwoSecondsOfTheAgentObservingIt) {
  member("east").h().cluster().HoldReadiness(true);
  auto applied = fleet_->Apply(SimpleRouter("slow"), Selector("env", "prod"));
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(WaitFor([&] { return fleet_->PhaseOn("llm/slow", "east") == "Pending"; }, absl::Seconds(30)));
  member("east").h().cluster().HoldReadiness(false);
  // The agent observes Running when it writes the CR's status; poll the
  // cluster for that moment, then the hub.
  ASSERT_TRUE(WaitFor([&] { return member("east").h().Phase("llm", "slow") == "Running"; }, absl::Seconds(30)));
  const absl::Time observed = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return fleet_->PhaseOn("llm/slow", "east") == "Running"; }, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - observed, absl::Seconds(2));
}

TEST_F(FleetTest, ADeadStreamIsUnknownRoutersKeepReconcilingAndHubChangesArriveAfterReconnect) {
  auto applied = fleet_->Apply(SimpleRouter("r2"), Selector("env", "prod"));
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(WaitFor([&] { return fleet_->PhaseOn("llm/r2", "east") == "Running"; }, absl::Seconds(30)));

  const absl::Time cut = absl::Now();
  member("east").StopLink();  // the stream dies (cancelled, no goodbye)
  ASSERT_TRUE(WaitFor([&] { return fleet_->ClusterState("east") == "Unknown"; }, absl::Seconds(15)));
  EXPECT_LT(absl::Now() - cut, absl::Seconds(15));

  // Local reconciling goes on: a deleted Deployment comes back.
  kube::ResourceRef deployments{"apps", "v1", "deployments", "llm", "r2"};
  ASSERT_TRUE(member("east").h().client().Delete(deployments).ok());
  ASSERT_TRUE(WaitFor([&] { return member("east").h().GetKind("Deployment", "llm", "r2").has_value(); },
                      absl::Seconds(20)));

  // A change at the hub while east is away reaches west now, east on reconnect.
  Json changed = SimpleRouter("r2");
  changed["spec"]["replicas"] = 2;
  auto updated = fleet_->Apply(changed, Selector("env", "prod"));
  ASSERT_TRUE(updated.ok());
  ASSERT_TRUE(WaitFor([&] {
    auto r = member("west").h().Router("llm", "r2");
    return r && (*r)["spec"].value("replicas", 0) == 2;
  }, absl::Seconds(20)));
  auto east_cr = member("east").h().Router("llm", "r2");
  ASSERT_TRUE(east_cr);
  EXPECT_NE((*east_cr)["spec"].value("replicas", 0), 2);

  member("east").StartLink(hub_->grpc_target());
  ASSERT_TRUE(WaitFor([&] {
    auto r = member("east").h().Router("llm", "r2");
    return r && (*r)["spec"].value("replicas", 0) == 2;
  }, absl::Seconds(20)));
  EXPECT_EQ(fleet_->ClusterState("east"), "Connected");
}

TEST_F(FleetTest, AnIntentTheAgentCannotApplyIsNackedAndVisible) {
  Json router = SimpleRouter("lost");
  router["metadata"]["namespace"] = "team-x";  // exists on no cluster
  auto applied = fleet_->Apply(router, Selector("env", "dev"));
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(WaitFor([&] {
    auto v = fleet_->Get("team-x/lost");
    return v && v->deliveries_size() == 1 && !v->deliveries(0).nack_error().empty();
  }, absl::Seconds(20)));
  auto v = fleet_->Get("team-x/lost");
  EXPECT_THAT(v->deliveries(0).nack_error(), ::testing::HasSubstr("team-x"));
  EXPECT_EQ(v->deliveries(0).nack_revision(), applied->revision());
  EXPECT_EQ(v->deliveries(0).acked_revision(), 0);

  // And `srfleet describe router` shows it.
  cli::HubEndpoint endpoint;
  endpoint.address = hub_->grpc_target();
  endpoint.insecure = true;
  cli::FleetApi api(grpc::CreateChannel(hub_->grpc_target(), grpc::InsecureChannelCredentials()), endpoint);
  std::ostringstream out, err;
  cli::DescribeRouterArgs args;
  args.name = "lost";
  args.ns = "team-x";
  EXPECT_EQ(cli::RunDescribeRouter(args, api, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), ::testing::HasSubstr("Nacked"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("namespace \"team-x\" not found on cluster lab"));
}

}  // namespace
}  // namespace srfleet::fleet_e2e
