// /metrics carries the families operators alert on, with live values.
#include "tests/hub/server/hub_fixture.h"

namespace srfleet::hub::testing {
namespace {

class HubMetricsTest : public HubFixture {};

TEST_F(HubMetricsTest, ExposesFleetFamiliesWithLiveValues) {
  StartHub();
  ASSERT_TRUE(Register("east", {}).ok());
  ASSERT_TRUE(Register("west", {}).ok());
  auto applied = Apply(RouterJson("llm", "r1"));
  ASSERT_TRUE(applied.ok());
  RawAgent agent(hub_->grpc_target());
  agent.StartReading();
  agent.Hello("east");
  ASSERT_TRUE(Eventually([&] { return agent.Upserts().size() == 1; }));
  agent.Ack(agent.Upserts()[0]);
  ASSERT_TRUE(Eventually([&] { return Get("llm/r1").deliveries_size() == 2 &&
                                      Get("llm/r1").deliveries(0).acked_revision() == applied->revision(); }));
  const std::string text = hub_->metrics().Render();
  for (const char* line : {"srfleet_hub_agents_connected 1", "srfleet_hub_clusters{state=\"Connected\"} 1",
                           "srfleet_hub_clusters{state=\"Registered\"} 1", "srfleet_hub_intents 1",
                           "srfleet_hub_pushes_total{kind=\"upsert\"} 1", "srfleet_hub_acks_total 1",
                           "srfleet_hub_push_ack_latency_seconds_count 1", "srfleet_hub_nacks_total 0"}) {
    EXPECT_THAT(text, ::testing::HasSubstr(line));
  }
  EXPECT_THAT(text, ::testing::HasSubstr("srfleet_hub_store_latency_seconds_count{op=\"put_intent\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("srfleet_hub_fleet_requests_total{code=\"OK\",method=\"ApplyIntent\"} 1"));
}

}  // namespace
}  // namespace srfleet::hub::testing
