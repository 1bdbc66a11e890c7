#include "hub/cli/fleet_api.h"

#include <chrono>
#include <thread>

#include <grpcpp/grpcpp.h>

namespace srfleet::cli {
namespace {

absl::Status ToAbsl(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace

FleetApi::FleetApi(std::shared_ptr<grpc::ChannelInterface> channel, HubEndpoint endpoint)
    : stub_(v1::Fleet::NewStub(std::move(channel))), endpoint_(std::move(endpoint)) {}

template <typename Request, typename Response, typename Method>
absl::StatusOr<Response> FleetApi::Unary(Method method, const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + endpoint_.timeout));
  Response response;
  grpc::Status status = ((*stub_).*method)(&context, request, &response);
  if (!status.ok()) return ToAbsl(status);
  return response;
}

absl::StatusOr<v1::ApplyIntentResponse> FleetApi::ApplyIntent(const v1::ApplyIntentRequest& r) {
  return Unary<v1::ApplyIntentRequest, v1::ApplyIntentResponse>(&v1::Fleet::Stub::ApplyIntent, r);
}
absl::StatusOr<v1::IntentView> FleetApi::GetIntent(const v1::GetIntentRequest& r) {
  return Unary<v1::GetIntentRequest, v1::IntentView>(&v1::Fleet::Stub::GetIntent, r);
}
absl::StatusOr<v1::ListIntentsResponse> FleetApi::ListIntents(const v1::ListIntentsRequest& r) {
  return Unary<v1::ListIntentsRequest, v1::ListIntentsResponse>(&v1::Fleet::Stub::ListIntents, r);
}
absl::StatusOr<v1::DeleteIntentResponse> FleetApi::DeleteIntent(const v1::DeleteIntentRequest& r) {
  return Unary<v1::DeleteIntentRequest, v1::DeleteIntentResponse>(&v1::Fleet::Stub::DeleteIntent, r);
}
absl::StatusOr<v1::IntentHistoryResponse> FleetApi::IntentHistory(const v1::IntentHistoryRequest& r) {
  return Unary<v1::IntentHistoryRequest, v1::IntentHistoryResponse>(&v1::Fleet::Stub::IntentHistory, r);
}
absl::StatusOr<v1::ClusterView> FleetApi::RegisterCluster(const v1::RegisterClusterRequest& r) {
  return Unary<v1::RegisterClusterRequest, v1::ClusterView>(&v1::Fleet::Stub::RegisterCluster, r);
}
absl::StatusOr<v1::DeregisterClusterResponse> FleetApi::DeregisterCluster(const v1::DeregisterClusterRequest& r) {
  return Unary<v1::DeregisterClusterRequest, v1::DeregisterClusterResponse>(&v1::Fleet::Stub::DeregisterCluster, r);
}
absl::StatusOr<v1::ClusterView> FleetApi::GetCluster(const v1::GetClusterRequest& r) {
  return Unary<v1::GetClusterRequest, v1::ClusterView>(&v1::Fleet::Stub::GetCluster, r);
}
absl::StatusOr<v1::ListClustersResponse> FleetApi::ListClusters(const v1::ListClustersRequest& r) {
  return Unary<v1::ListClustersRequest, v1::ListClustersResponse>(&v1::Fleet::Stub::ListClusters, r);
}

absl::Status FleetApi::WatchEvents(const v1::WatchEventsRequest& request, absl::Duration duration,
                                   const std::atomic<bool>* stop,
                                   const std::function<void(const v1::FleetEvent&)>& on_event) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::FleetEvent>> reader = stub_->WatchEvents(&context, request);

  // Read() blocks; a helper cancels the call on Ctrl-C (a signal handler may
  // only set a flag) or when the watch has run for `duration`.
  const absl::Time until = duration > absl::ZeroDuration() ? absl::Now() + duration : absl::InfiniteFuture();
  std::atomic<bool> reading_done{false};
  std::atomic<bool> cancelled{false};
  std::thread canceller([&] {
    while (!reading_done.load()) {
      if ((stop != nullptr && stop->load()) || absl::Now() >= until) {
        cancelled.store(true);
        context.TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  v1::FleetEvent event;
  while (reader->Read(&event)) on_event(event);
  reading_done.store(true);
  canceller.join();
  grpc::Status status = reader->Finish();
  if (cancelled.load() && status.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
  return ToAbsl(status);
}

}  // namespace srfleet::cli
