#include "hub/server/agent_link_service.h"

#include "hub/server/agent_session.h"

namespace srfleet::hub {

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* AgentLinkService::Connect(
    grpc::CallbackServerContext* context) {
  return AgentSession::Start(context, distributor_, metrics_, mtls_required_);
}

}  // namespace srfleet::hub
