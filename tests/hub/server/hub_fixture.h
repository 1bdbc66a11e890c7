// An in-process srfleet-hub on a temp SQLite store, a Fleet client, and a
// raw protocol client that speaks AgentLink by hand (so tests control every
// message, including bad ones).
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fleet/v1/agent_link.grpc.pb.h"
#include "fleet/v1/fleet.grpc.pb.h"
#include "hub/server/hub_server.h"
#include "hub/store/intent_store.h"

namespace srfleet::hub::testing {

inline std::string RouterJson(const std::string& ns, const std::string& name, int replicas = 1) {
  return absl::StrCat(R"({"apiVersion":"vllm.ai/v1alpha1","kind":"SemanticRouter","metadata":{"name":")", name,
                      R"(","namespace":")", ns, R"("},"spec":{"replicas":)", replicas,
                      R"(,"futureField":{"kept":true},"vllmEndpoints":[{"name":"qwen","model":"qwen2.5","backend":{"type":"service","service":{"name":"vllm-qwen","port":8000}}}]}})");
}

// Polls until `done` or the deadline.
inline bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

class HubFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("hubtest-", ::getpid(), "-", absl::ToUnixNanos(absl::Now()));
    std::filesystem::create_directories(dir_);
    options_.distributor.heartbeat_interval = absl::Milliseconds(200);
    options_.distributor.liveness_timeout = absl::Milliseconds(900);
    options_.tick_interval = absl::Milliseconds(50);
    options_.http_address = "";
  }
  void TearDown() override {
    hub_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void StartHub() {
    if (!store_) {
      SqliteStoreOptions so;
      so.path = (dir_ / "hub.db").string();
      so.synchronous_full = false;
      auto store = OpenSqliteIntentStore(so);
      ASSERT_TRUE(store.ok()) << store.status();
      store_ = *std::move(store);
    }
    auto hub = HubServer::Start(*store_, options_);
    ASSERT_TRUE(hub.ok()) << hub.status();
    hub_ = *std::move(hub);
    channel_ = grpc::CreateChannel(hub_->grpc_target(), grpc::InsecureChannelCredentials());
    fleet_ = fleet::v1::Fleet::NewStub(channel_);
  }
  void RestartHub() {
    hub_.reset();
    StartHub();
  }

  grpc::Status Register(const std::string& name, std::map<std::string, std::string> labels) {
    grpc::ClientContext ctx;
    fleet::v1::RegisterClusterRequest req;
    req.set_name(name);
    for (auto& [k, v] : labels) (*req.mutable_labels())[k] = v;
    req.set_replace_labels(true);
    fleet::v1::ClusterView view;
    return fleet_->RegisterCluster(&ctx, req, &view);
  }

  absl::StatusOr<fleet::v1::ApplyIntentResponse> Apply(const std::string& manifest, const std::string& selector_key = "",
                                                       const std::string& selector_value = "") {
    grpc::ClientContext ctx;
    fleet::v1::ApplyIntentRequest req;
    req.set_manifest_json(manifest);
    if (!selector_key.empty()) (*req.mutable_placement()->mutable_match_labels())[selector_key] = selector_value;
    fleet::v1::ApplyIntentResponse resp;
    grpc::Status s = fleet_->ApplyIntent(&ctx, req, &resp);
    if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return resp;
  }

  fleet::v1::IntentView Get(const std::string& id) {
    grpc::ClientContext ctx;
    fleet::v1::GetIntentRequest req;
    req.set_intent_id(id);
    fleet::v1::IntentView view;
    grpc::Status s = fleet_->GetIntent(&ctx, req, &view);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return view;
  }

  std::string ClusterState(const std::string& name) {
    grpc::ClientContext ctx;
    fleet::v1::GetClusterRequest req;
    req.set_name(name);
    fleet::v1::ClusterView view;
    grpc::Status s = fleet_->GetCluster(&ctx, req, &view);
    return s.ok() ? view.state() : absl::StrCat("error: ", s.error_message());
  }

  std::filesystem::path dir_;
  HubOptions options_;
  std::unique_ptr<IntentStore> store_;
  std::unique_ptr<HubServer> hub_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<fleet::v1::Fleet::Stub> fleet_;
};

// A hand-driven agent: one sync stream; Read() with a deadline via a reader thread.
class RawAgent {
 public:
  explicit RawAgent(const std::string& target)
      : stub_(fleet::v1::AgentLink::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {
    stream_ = stub_->Connect(&ctx_);
  }
  ~RawAgent() {
    ctx_.TryCancel();
    if (reader_.joinable()) reader_.join();
  }

  bool Send(const fleet::v1::AgentMessage& m) { return stream_->Write(m); }
  bool Hello(const std::string& cluster, std::map<std::string, std::string> labels = {},
             std::vector<fleet::v1::KnownIntent> known = {}) {
    fleet::v1::AgentMessage m;
    m.mutable_hello()->set_cluster(cluster);
    m.mutable_hello()->set_protocol_version(1);
    m.mutable_hello()->set_agent_version("test");
    for (auto& [k, v] : labels) (*m.mutable_hello()->mutable_labels())[k] = v;
    for (auto& k : known) *m.mutable_hello()->add_known() = k;
    return Send(m);
  }
  // Starts a thread that collects every HubMessage until the stream ends.
  void StartReading() {
    reader_ = std::thread([this] {
      fleet::v1::HubMessage m;
      while (stream_->Read(&m)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(m);
      }
      grpc::Status s = stream_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = s;
    });
  }
  std::vector<fleet::v1::HubMessage> Received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  std::vector<fleet::v1::IntentUpsert> Upserts() {
    std::vector<fleet::v1::IntentUpsert> out;
    for (auto& m : Received()) if (m.has_upsert()) out.push_back(m.upsert());
    return out;
  }
  std::vector<fleet::v1::IntentDelete> Deletes() {
    std::vector<fleet::v1::IntentDelete> out;
    for (auto& m : Received()) if (m.has_delete_()) out.push_back(m.delete_());
    return out;
  }
  std::optional<grpc::Status> Ended() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  void Ack(const fleet::v1::IntentUpsert& u) {
    fleet::v1::AgentMessage m;
    m.mutable_ack()->set_nonce(u.nonce());
    m.mutable_ack()->set_intent_id(u.intent_id());
    m.mutable_ack()->set_revision(u.revision());
    Send(m);
  }
  void AckDelete(const fleet::v1::IntentDelete& d) {
    fleet::v1::AgentMessage m;
    m.mutable_ack()->set_nonce(d.nonce());
    m.mutable_ack()->set_intent_id(d.intent_id());
    Send(m);
  }
  void WritesDone() { stream_->WritesDone(); }
  void Cancel() { ctx_.TryCancel(); }

 private:
  std::unique_ptr<fleet::v1::AgentLink::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<fleet::v1::AgentMessage, fleet::v1::HubMessage>> stream_;
  std::thread reader_;
  absl::Mutex mu_;
  std::vector<fleet::v1::HubMessage> received_;
  std::optional<grpc::Status> status_;
};

}  // namespace srfleet::hub::testing
