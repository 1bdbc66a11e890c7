// An in-process Fleet service (127.0.0.1:0, plaintext) with in-memory state,
// for running the CLI commands against a real gRPC server.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fleet/v1/fleet.grpc.pb.h"
#include "hub/cli/fleet_api.h"

namespace srfleet::cli::testing {

namespace v1 = ::srfleet::fleet::v1;

class FakeFleet final : public v1::Fleet::Service {
 public:
  // Test-visible state; lock `mu` when the server may be running a call.
  std::mutex mu;
  std::map<std::string, v1::IntentView> intents;                    // by "ns/name"
  std::map<std::string, std::vector<v1::IntentRevision>> history;  // by "ns/name"
  std::map<std::string, v1::ClusterView> clusters;                  // by name
  std::vector<v1::FleetEvent> events;  // sent to every watch (filtered), then it idles until cancelled
  bool end_watch_after_events = false;
  int64_t revision = 0;
  int calls = 0;
  std::vector<v1::ApplyIntentRequest> apply_requests;
  std::vector<v1::GetIntentRequest> get_requests;
  std::vector<v1::ListIntentsRequest> list_requests;
  std::vector<v1::RegisterClusterRequest> register_requests;
  std::vector<v1::WatchEventsRequest> watch_requests;
  // Method name ("ApplyIntent", ...) -> the status it answers instead.
  std::map<std::string, grpc::Status> fail;
  absl::Duration delay = absl::ZeroDuration();  // before every unary answer

  grpc::Status ApplyIntent(grpc::ServerContext*, const v1::ApplyIntentRequest*, v1::ApplyIntentResponse*) override;
  grpc::Status GetIntent(grpc::ServerContext*, const v1::GetIntentRequest*, v1::IntentView*) override;
  grpc::Status ListIntents(grpc::ServerContext*, const v1::ListIntentsRequest*, v1::ListIntentsResponse*) override;
  grpc::Status DeleteIntent(grpc::ServerContext*, const v1::DeleteIntentRequest*, v1::DeleteIntentResponse*) override;
  grpc::Status IntentHistory(grpc::ServerContext*, const v1::IntentHistoryRequest*,
                             v1::IntentHistoryResponse*) override;
  grpc::Status RegisterCluster(grpc::ServerContext*, const v1::RegisterClusterRequest*, v1::ClusterView*) override;
  grpc::Status DeregisterCluster(grpc::ServerContext*, const v1::DeregisterClusterRequest*,
                                 v1::DeregisterClusterResponse*) override;
  grpc::Status GetCluster(grpc::ServerContext*, const v1::GetClusterRequest*, v1::ClusterView*) override;
  grpc::Status ListClusters(grpc::ServerContext*, const v1::ListClustersRequest*, v1::ListClustersResponse*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const v1::WatchEventsRequest*,
                           grpc::ServerWriter<v1::FleetEvent>*) override;

 private:
  // Counts the call, sleeps `delay`; returns the injected failure if any.
  std::optional<grpc::Status> Enter(const std::string& method);
};

// FakeFleet served on 127.0.0.1:<ephemeral>.
class FakeHub {
 public:
  FakeHub();
  ~FakeHub();
  FakeFleet& fleet() { return fleet_; }
  const std::string& address() const { return address_; }
  // A plaintext client, as `--insecure --hub <address> --timeout <timeout>` would build.
  std::unique_ptr<FleetApi> Client(absl::Duration timeout = absl::Seconds(5));

 private:
  FakeFleet fleet_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

// An address where nothing listens (a port that was just released).
std::string ClosedAddress();

}  // namespace srfleet::cli::testing
