// The AgentLink protocol at the hub, driven by hand: Hello diffs, placement
// moves, ACK/NACK bookkeeping, refusals, liveness, restart resync.
#include <grpcpp/generic/generic_stub.h>

#include "tests/hub/server/hub_fixture.h"

namespace srfleet::hub::testing {
namespace {

using fleet::v1::KnownIntent;

class AgentLinkTest : public HubFixture {};

KnownIntent Known(const std::string& id, int64_t rev, const std::string& checksum) {
  KnownIntent k;
  k.set_intent_id(id);
  k.set_revision(rev);
  k.set_checksum(checksum);
  return k;
}

TEST_F(AgentLinkTest, UnregisteredClusterIsRefusedAndOthersKeepWorking) {
  StartHub();
  ASSERT_TRUE(Register("east", {{"env", "prod"}}).ok());
  auto applied = Apply(RouterJson("llm", "r1"));
  ASSERT_TRUE(applied.ok()) << applied.status();

  RawAgent stranger(hub_->grpc_target());
  stranger.StartReading();
  stranger.Hello("nobody");
  ASSERT_TRUE(Eventually([&] { return stranger.Ended().has_value(); }));
  EXPECT_EQ(stranger.Ended()->error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(stranger.Ended()->error_message(), ::testing::HasSubstr("srfleet clusters register nobody"));

  RawAgent east(hub_->grpc_target());
  east.StartReading();
  east.Hello("east");
  ASSERT_TRUE(Eventually([&] { return east.Upserts().size() == 1; }));
  EXPECT_EQ(east.Upserts()[0].intent_id(), "llm/r1");
  EXPECT_EQ(ClusterState("east"), "Connected");
}

TEST_F(AgentLinkTest, WelcomeFirstThenUpsertCarryingUnknownFieldsIntact) {
  StartHub();
  ASSERT_TRUE(Register("east", {}).ok());
  ASSERT_TRUE(Apply(RouterJson("llm", "r1")).ok());
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("east", {{"region", "eu"}});
  ASSERT_TRUE(Eventually([&] { return agent.Received().size() >= 2; }));
  auto got = agent.Received();
  ASSERT_TRUE(got[0].has_welcome());
  EXPECT_EQ(got[0].welcome().heartbeat_interval_ms(), 200u);
  EXPECT_EQ(got[0].welcome().labels().at("region"), "eu");
  ASSERT_TRUE(got[1].has_upsert());
  const auto& up = got[1].upsert();
  EXPECT_EQ(up.namespace_(), "llm");
  EXPECT_EQ(up.name(), "r1");
  EXPECT_EQ(up.checksum(), Sha256Hex(up.manifest_json()));
  EXPECT_THAT(up.manifest_json(), ::testing::HasSubstr(R"("futureField":{"kept":true})"));
}

TEST_F(AgentLinkTest, HelloWithEverythingCurrentGetsNothingStaleGetsUpsertUnassignedGetsDelete) {
  StartHub();
  ASSERT_TRUE(Register("east", {{"env", "prod"}}).ok());
  auto r1 = Apply(RouterJson("llm", "r1"));
  auto r2 = Apply(RouterJson("llm", "r2"));
  ASSERT_TRUE(r1.ok() && r2.ok());
  const auto v1 = Get("llm/r1");
  const auto v2 = Get("llm/r2");

  {  // holds both at the current revisions: only the Welcome
    RawAgent agent(hub_->grpc_target());
    agent.StartReading();
    agent.Hello("east", {}, {Known("llm/r1", v1.revision(), v1.checksum()), Known("llm/r2", v2.revision(), v2.checksum())});
    ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Connected"; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(agent.Received().size(), 1u);
    EXPECT_TRUE(agent.Received()[0].has_welcome());
  }
  {  // r1 stale, r2 missing, r9 no longer assigned
    RawAgent agent(hub_->grpc_target());
    agent.StartReading();
    agent.Hello("east", {}, {Known("llm/r1", v1.revision() - 1, "old"), Known("llm/r9", 3, "x")});
    ASSERT_TRUE(Eventually([&] { return agent.Upserts().size() == 2 && agent.Deletes().size() == 1; }));
    EXPECT_EQ(agent.Deletes()[0].intent_id(), "llm/r9");
  }
}

TEST_F(AgentLinkTest, ChangingPlacementMovesTheIntent) {
  StartHub();
  ASSERT_TRUE(Register("east", {{"env", "prod"}}).ok());
  ASSERT_TRUE(Register("west", {{"env", "dev"}}).ok());
  RawAgent east(hub_->grpc_target()), west(hub_->grpc_target());
  east.StartReading();
  west.StartReading();
  east.Hello("east");
  west.Hello("west");
  ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Connected" && ClusterState("west") == "Connected"; }));

  auto applied = Apply(RouterJson("llm", "r1"), "env", "prod");
  ASSERT_TRUE(applied.ok());
  EXPECT_THAT(applied->target_clusters(), ::testing::ElementsAre("east"));
  ASSERT_TRUE(Eventually([&] { return east.Upserts().size() == 1; }));
  east.Ack(east.Upserts()[0]);
  ASSERT_TRUE(Eventually([&] {
    auto v = Get("llm/r1");
    return v.deliveries_size() == 1 && v.deliveries(0).acked_revision() == applied->revision();
  }));
  EXPECT_TRUE(west.Upserts().empty());

  auto moved = Apply(RouterJson("llm", "r1"), "env", "dev");
  ASSERT_TRUE(moved.ok());
  EXPECT_GT(moved->revision(), applied->revision());
  ASSERT_TRUE(Eventually([&] { return west.Upserts().size() == 1 && east.Deletes().size() == 1; }));
  EXPECT_EQ(west.Upserts()[0].revision(), moved->revision());
  east.AckDelete(east.Deletes()[0]);
  west.Ack(west.Upserts()[0]);
  ASSERT_TRUE(Eventually([&] {
    auto v = Get("llm/r1");
    return v.deliveries_size() == 1 && v.deliveries(0).cluster() == "west" &&
           v.deliveries(0).acked_revision() == moved->revision();
  }));

  // Re-applying the same thing is a no-op: no revision, no push.
  auto again = Apply(RouterJson("llm", "r1"), "env", "dev");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged());
  EXPECT_EQ(again->revision(), moved->revision());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(west.Upserts().size(), 1u);
}

TEST_F(AgentLinkTest, NackIsRecordedAndClearedByALaterAck) {
  StartHub();
  ASSERT_TRUE(Register("east", {}).ok());
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("east");
  auto applied = Apply(RouterJson("team-x", "r1"));
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(Eventually([&] { return agent.Upserts().size() == 1; }));
  const auto up = agent.Upserts()[0];
  fleet::v1::AgentMessage nack;
  nack.mutable_nack()->set_nonce(up.nonce());
  nack.mutable_nack()->set_intent_id(up.intent_id());
  nack.mutable_nack()->set_revision(up.revision());
  nack.mutable_nack()->set_error("namespace \"team-x\" not found on cluster east");
  agent.Send(nack);
  ASSERT_TRUE(Eventually([&] { return !Get("team-x/r1").deliveries(0).nack_error().empty(); }));
  auto d = Get("team-x/r1").deliveries(0);
  EXPECT_EQ(d.nack_error(), "namespace \"team-x\" not found on cluster east");
  EXPECT_EQ(d.nack_revision(), applied->revision());
  EXPECT_EQ(d.acked_revision(), 0);
  agent.Ack(up);
  ASSERT_TRUE(Eventually([&] { return Get("team-x/r1").deliveries(0).nack_error().empty(); }));
}

TEST_F(AgentLinkTest, MalformedBytesAreRefusedWithInvalidArgument) {
  StartHub();
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  auto call = generic.PrepareCall(&ctx, "/srfleet.fleet.v1.AgentLink/Connect", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  const char garbage[] = "\xff\xff\xff\xff not a protobuf";
  grpc::Slice slice(garbage, sizeof(garbage) - 1);
  grpc::ByteBuffer bytes(&slice, 1);
  call->Write(bytes, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(3));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(3)) {
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("malformed AgentMessage"));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(AgentLinkTest, FirstMessageMustBeHelloAndOversizedMessagesAreRefused) {
  options_.max_message_bytes = 64 * 1024;
  StartHub();
  {
    RawAgent agent(hub_->grpc_target());
    agent.StartReading();
    fleet::v1::AgentMessage hb;
    hb.mutable_heartbeat()->set_sent_unix_ms(1);
    agent.Send(hb);
    ASSERT_TRUE(Eventually([&] { return agent.Ended().has_value(); }));
    EXPECT_EQ(agent.Ended()->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(agent.Ended()->error_message(), ::testing::HasSubstr("must be Hello"));
  }
  {
    ASSERT_TRUE(Register("east", {}).ok());
    RawAgent agent(hub_->grpc_target());
    agent.StartReading();
    agent.Hello("east");
    fleet::v1::AgentMessage big;
    fleet::v1::RouterStatus* s = big.mutable_status()->add_routers();
    s->set_namespace_("llm");
    s->set_name("r");
    s->set_phase(std::string(200 * 1024, 'x'));
    agent.Send(big);
    ASSERT_TRUE(Eventually([&] { return agent.Ended().has_value(); }));
    EXPECT_EQ(agent.Ended()->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {  // and the hub still serves
    RawAgent agent(hub_->grpc_target());
    agent.StartReading();
    agent.Hello("east");
    ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Connected"; }));
  }
}

TEST_F(AgentLinkTest, BadHelloNamesTheField) {
  StartHub();
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("Not_A_Label");
  ASSERT_TRUE(Eventually([&] { return agent.Ended().has_value(); }));
  EXPECT_EQ(agent.Ended()->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(agent.Ended()->error_message(), ::testing::HasSubstr("hello.cluster"));
}

TEST_F(AgentLinkTest, SilentAgentBecomesUnknownAndAGracefulOneDisconnected) {
  StartHub();
  ASSERT_TRUE(Register("east", {}).ok());
  ASSERT_TRUE(Register("west", {}).ok());
  RawAgent silent(hub_->grpc_target());
  silent.StartReading();
  silent.Hello("east");
  ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Connected"; }));
  // No heartbeats: Unknown after the liveness timeout (0.9 s here), stream closed.
  ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Unknown"; }, absl::Seconds(5)));
  ASSERT_TRUE(Eventually([&] { return silent.Ended().has_value(); }));
  EXPECT_EQ(silent.Ended()->error_code(), grpc::StatusCode::UNAVAILABLE);

  RawAgent polite(hub_->grpc_target());
  polite.StartReading();
  polite.Hello("west");
  ASSERT_TRUE(Eventually([&] { return ClusterState("west") == "Connected"; }));
  polite.WritesDone();
  ASSERT_TRUE(Eventually([&] { return ClusterState("west") == "Disconnected"; }));

  RawAgent crashing(hub_->grpc_target());
  crashing.StartReading();
  crashing.Hello("west");
  ASSERT_TRUE(Eventually([&] { return ClusterState("west") == "Connected"; }));
  crashing.Cancel();
  ASSERT_TRUE(Eventually([&] { return ClusterState("west") == "Unknown"; }));
}

TEST_F(AgentLinkTest, AckedIntentsSurviveAHubRestartAndAResyncSendsNothing) {
  StartHub();
  ASSERT_TRUE(Register("east", {{"env", "prod"}}).ok());
  auto applied = Apply(RouterJson("llm", "r1"), "env", "prod");
  ASSERT_TRUE(applied.ok());
  const auto before = Get("llm/r1");
  RestartHub();
  const auto after = Get("llm/r1");
  EXPECT_EQ(after.revision(), before.revision());
  EXPECT_EQ(after.checksum(), before.checksum());
  EXPECT_THAT(after.target_clusters(), ::testing::ElementsAre("east"));
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("east", {}, {Known("llm/r1", after.revision(), after.checksum())});
  ASSERT_TRUE(Eventually([&] { return ClusterState("east") == "Connected"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(agent.Upserts().size(), 0u);
  EXPECT_EQ(agent.Deletes().size(), 0u);
}

TEST_F(AgentLinkTest, StatusReportsFillTheIndex) {
  StartHub();
  ASSERT_TRUE(Register("east", {}).ok());
  auto applied = Apply(RouterJson("llm", "r1"));
  ASSERT_TRUE(applied.ok());
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("east");
  fleet::v1::AgentMessage m;
  m.mutable_status()->set_full(true);
  auto* s = m.mutable_status()->add_routers();
  s->set_namespace_("llm");
  s->set_name("r1");
  s->set_intent_id("llm/r1");
  s->set_intent_revision(applied->revision());
  s->set_phase("Running");
  s->set_ready_replicas(1);
  auto* local = m.mutable_status()->add_routers();
  local->set_namespace_("default");
  local->set_name("handmade");
  local->set_phase("Pending");
  agent.Send(m);
  ASSERT_TRUE(Eventually([&] { return Get("llm/r1").deliveries(0).status().phase() == "Running"; }));
  auto local_view = Get("default/handmade");
  EXPECT_FALSE(local_view.hub_managed());
  ASSERT_EQ(local_view.deliveries_size(), 1);
  EXPECT_EQ(local_view.deliveries(0).status().phase(), "Pending");
}

}  // namespace
}  // namespace srfleet::hub::testing
