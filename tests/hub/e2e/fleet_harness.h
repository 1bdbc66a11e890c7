// A fleet in one process: srfleet-hub (in-process, or a real process for the
// crash test), and N clusters, each a kubesim cluster with its own
// RouterAgent and HubLink — exactly what srfleet-agent runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "agent/hublink/claims.h"
#include "agent/hublink/hub_link.h"
#include "fleet/v1/fleet.grpc.pb.h"
#include "tests/agent/e2e/agent_e2e_support.h"

namespace srfleet::fleet_e2e {

using agent::e2e::AgentHarness;
using agent::e2e::WaitFor;

struct ClusterSpec {
  std::string name;
  bool openshift = false;
  std::map<std::string, std::string> labels;  // the agent's --cluster-label
};

// One member cluster: kubesim + agent + hub link.
class Member {
 public:
  explicit Member(ClusterSpec spec) : spec_(std::move(spec)), h_(agent::e2e::SimOptions(spec_.openshift)) {
    h_.CreateNamespace("llm");
    h_.CreateService("llm", "vllm-qwen");
    h_.StartAgent();
  }
  ~Member() { StopLink(); }

  void StartLink(const std::string& hub_target) {
    agent::hublink::HubLinkOptions o;
    o.hub_address = hub_target;
    o.credentials = grpc::InsecureChannelCredentials();
    o.cluster_name = spec_.name;
    o.labels = spec_.labels;
    o.agent_version = "e2e";
    o.backoff = kube::BackoffPolicy{absl::Milliseconds(50), absl::Milliseconds(400), 2.0, 0.5};
    o.status_flush_interval = absl::Milliseconds(50);
    o.status_min_interval_per_router = absl::Milliseconds(200);
    o.informer.backoff = kube::BackoffPolicy{absl::Milliseconds(20), absl::Milliseconds(300), 2.0, 0.5};
    agent::RouterAgent* agent = &h_.agent();
    o.claims = [agent] {
      auto facts = agent->platform();
      return facts ? agent::hublink::ClaimsFromPlatform(*facts) : std::map<std::string, std::string>{};
    };
    link_ = std::make_unique<agent::hublink::HubLink>(h_.agent_client(), std::move(o));
    absl::Status s = link_->Start();
    EXPECT_TRUE(s.ok()) << s;
  }
  void StopLink() {
    if (link_) link_->Stop();
    link_.reset();
  }

  const std::string& name() const { return spec_.name; }
  AgentHarness& h() { return h_; }
  agent::hublink::HubLink* link() { return link_.get(); }
  bool HasRouter(const std::string& ns, const std::string& name) { return h_.Router(ns, name).has_value(); }

 private:
  ClusterSpec spec_;
  AgentHarness h_;
  std::unique_ptr<agent::hublink::HubLink> link_;
};

// Fleet API calls with short deadlines.
class FleetClient {
 public:
  explicit FleetClient(const std::string& target)
      : stub_(fleet::v1::Fleet::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {}

  grpc::Status Register(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    fleet::v1::RegisterClusterRequest req;
    req.set_name(name);
    for (const auto& [k, v] : labels) (*req.mutable_labels())[k] = v;
    fleet::v1::ClusterView view;
    return stub_->RegisterCluster(&ctx, req, &view);
  }
  absl::StatusOr<fleet::v1::ApplyIntentResponse> Apply(const Json& router, const fleet::v1::Placement& placement) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    fleet::v1::ApplyIntentRequest req;
    req.set_manifest_json(router.dump());
    *req.mutable_placement() = placement;
    fleet::v1::ApplyIntentResponse resp;
    grpc::Status s = stub_->ApplyIntent(&ctx, req, &resp);
    if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return resp;
  }
  std::optional<fleet::v1::IntentView> Get(const std::string& id) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    fleet::v1::GetIntentRequest req;
    req.set_intent_id(id);
    fleet::v1::IntentView view;
    grpc::Status s = stub_->GetIntent(&ctx, req, &view);
    if (!s.ok()) {
      last_error_ = s.error_message();
      return std::nullopt;
    }
    return view;
  }
  std::string ClusterState(const std::string& name) {
    grpc::ClientContext ctx;
    Deadline(ctx);
    fleet::v1::GetClusterRequest req;
    req.set_name(name);
    fleet::v1::ClusterView view;
    if (!stub_->GetCluster(&ctx, req, &view).ok()) return "<error>";
    return view.state();
  }
  // The phase the hub reports for `id` on `cluster` ("" if none).
  std::string PhaseOn(const std::string& id, const std::string& cluster) {
    auto view = Get(id);
    if (!view) return "";
    for (const auto& d : view->deliveries()) {
      if (d.cluster() == cluster) return d.status().phase();
    }
    return "";
  }
  fleet::v1::Fleet::Stub& stub() { return *stub_; }
  const std::string& last_error() const { return last_error_; }

 private:
  static void Deadline(grpc::ClientContext& ctx) {
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  std::unique_ptr<fleet::v1::Fleet::Stub> stub_;
  std::string last_error_;
};

inline fleet::v1::Placement Selector(const std::string& key, const std::string& value) {
  fleet::v1::Placement p;
  (*p.mutable_match_labels())[key] = value;
  return p;
}

inline Json SimpleRouter(const std::string& name) {
  Json r = AgentHarness::Sample("simple.yaml");
  r["metadata"]["name"] = name;
  return r;
}

}  // namespace srfleet::fleet_e2e
