// The Fleet API (fleet.proto) over the IntentDistributor, as gRPC callback
// handlers. Input is validated here (manifest, selector, names) so the
// distributor only ever sees well-formed requests.
#pragma once

#include "fleet/v1/fleet.grpc.pb.h"
#include "hub/server/event_bus.h"
#include "hub/server/hub_metrics.h"
#include "hub/server/intent_distributor.h"

#include <string>
#include <vector>

namespace srfleet::hub {

class FleetService final : public fleet::v1::Fleet::CallbackService {
 public:
  // With mutual TLS, every call must come with a certificate naming one of
  // `admin_names` (see peer_identity.h).
  FleetService(IntentDistributor& distributor, EventBus& events, HubMetrics& metrics, bool mtls_required,
               std::vector<std::string> admin_names)
      : distributor_(distributor),
        events_(events),
        metrics_(metrics),
        mtls_required_(mtls_required),
        admin_names_(std::move(admin_names)) {}

  grpc::ServerUnaryReactor* ApplyIntent(grpc::CallbackServerContext* ctx, const fleet::v1::ApplyIntentRequest* req,
                                        fleet::v1::ApplyIntentResponse* resp) override;
  grpc::ServerUnaryReactor* GetIntent(grpc::CallbackServerContext* ctx, const fleet::v1::GetIntentRequest* req,
                                      fleet::v1::IntentView* resp) override;
  grpc::ServerUnaryReactor* ListIntents(grpc::CallbackServerContext* ctx, const fleet::v1::ListIntentsRequest* req,
                                        fleet::v1::ListIntentsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteIntent(grpc::CallbackServerContext* ctx, const fleet::v1::DeleteIntentRequest* req,
                                         fleet::v1::DeleteIntentResponse* resp) override;
  grpc::ServerUnaryReactor* IntentHistory(grpc::CallbackServerContext* ctx,
                                          const fleet::v1::IntentHistoryRequest* req,
                                          fleet::v1::IntentHistoryResponse* resp) override;
  grpc::ServerUnaryReactor* RegisterCluster(grpc::CallbackServerContext* ctx,
                                            const fleet::v1::RegisterClusterRequest* req,
                                            fleet::v1::ClusterView* resp) override;
  grpc::ServerUnaryReactor* DeregisterCluster(grpc::CallbackServerContext* ctx,
                                              const fleet::v1::DeregisterClusterRequest* req,
                                              fleet::v1::DeregisterClusterResponse* resp) override;
  grpc::ServerUnaryReactor* GetCluster(grpc::CallbackServerContext* ctx, const fleet::v1::GetClusterRequest* req,
                                       fleet::v1::ClusterView* resp) override;
  grpc::ServerUnaryReactor* ListClusters(grpc::CallbackServerContext* ctx, const fleet::v1::ListClustersRequest* req,
                                         fleet::v1::ListClustersResponse* resp) override;
  grpc::ServerWriteReactor<fleet::v1::FleetEvent>* WatchEvents(grpc::CallbackServerContext* ctx,
                                                               const fleet::v1::WatchEventsRequest* req) override;

  // Wired by HubServer: the store, for history reads.
  void set_store(IntentStore* store) { store_ = store; }

 private:
  grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const char* method, const absl::Status& status);
  absl::Status Authorize(grpc::CallbackServerContext* ctx) const;

  IntentDistributor& distributor_;
  EventBus& events_;
  HubMetrics& metrics_;
  IntentStore* store_ = nullptr;
  const bool mtls_required_;
  const std::vector<std::string> admin_names_;
};

}  // namespace srfleet::hub
