// FleetApi: the CLI's view of the hub's Fleet service. Every unary call gets
// the --timeout deadline; errors come back as absl::Status with the gRPC code
// (the codes are the same numbers).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fleet/v1/fleet.grpc.pb.h"

namespace srfleet::cli {

namespace v1 = ::srfleet::fleet::v1;

// What error messages need to know about the connection.
struct HubEndpoint {
  std::string address = "localhost:7443";
  absl::Duration timeout = absl::Seconds(10);
  bool insecure = false;
  bool client_cert = false;                                 // a --tls-cert was given
  std::string config_hint = "~/.config/srfleet/config.yaml";  // the config file, as shown to users
};

class FleetApi {
 public:
  FleetApi(std::shared_ptr<grpc::ChannelInterface> channel, HubEndpoint endpoint);

  const HubEndpoint& endpoint() const { return endpoint_; }

  absl::StatusOr<v1::ApplyIntentResponse> ApplyIntent(const v1::ApplyIntentRequest& request);
  absl::StatusOr<v1::IntentView> GetIntent(const v1::GetIntentRequest& request);
  absl::StatusOr<v1::ListIntentsResponse> ListIntents(const v1::ListIntentsRequest& request);
  absl::StatusOr<v1::DeleteIntentResponse> DeleteIntent(const v1::DeleteIntentRequest& request);
  absl::StatusOr<v1::IntentHistoryResponse> IntentHistory(const v1::IntentHistoryRequest& request);
  absl::StatusOr<v1::ClusterView> RegisterCluster(const v1::RegisterClusterRequest& request);
  absl::StatusOr<v1::DeregisterClusterResponse> DeregisterCluster(const v1::DeregisterClusterRequest& request);
  absl::StatusOr<v1::ClusterView> GetCluster(const v1::GetClusterRequest& request);
  absl::StatusOr<v1::ListClustersResponse> ListClusters(const v1::ListClustersRequest& request);

  // Streams events into `on_event` until the hub ends the stream, `*stop`
  // becomes true (Ctrl-C), or `duration` passes (zero or less: no limit).
  // No per-call deadline. Stopping and running out of time are OK.
  absl::Status WatchEvents(const v1::WatchEventsRequest& request, absl::Duration duration,
                           const std::atomic<bool>* stop, const std::function<void(const v1::FleetEvent&)>& on_event);

 private:
  template <typename Request, typename Response, typename Method>
  absl::StatusOr<Response> Unary(Method method, const Request& request);

  std::unique_ptr<v1::Fleet::Stub> stub_;
  HubEndpoint endpoint_;
};

}  // namespace srfleet::cli
