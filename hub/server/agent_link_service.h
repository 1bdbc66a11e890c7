// AgentLink.Connect as a raw callback method: bytes in, bytes out (see
// AgentSession for why).
#pragma once

#include "fleet/v1/agent_link.grpc.pb.h"
#include "hub/server/hub_metrics.h"
#include "hub/server/intent_distributor.h"

namespace srfleet::hub {

class AgentLinkService final
    : public fleet::v1::AgentLink::WithRawCallbackMethod_Connect<fleet::v1::AgentLink::Service> {
 public:
  AgentLinkService(IntentDistributor& distributor, HubMetrics& metrics, bool mtls_required)
      : distributor_(distributor), metrics_(metrics), mtls_required_(mtls_required) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Connect(grpc::CallbackServerContext* context) override;

 private:
  IntentDistributor& distributor_;
  HubMetrics& metrics_;
  const bool mtls_required_;
};

}  // namespace srfleet::hub
