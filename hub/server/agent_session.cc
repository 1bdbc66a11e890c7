#include "hub/server/agent_session.h"

#include <utility>

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"
#include "fleet/v1/agent_link.pb.h"
#include "hub/server/peer_identity.h"

namespace srfleet::hub {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}


}  // namespace

AgentSession::AgentSession(grpc::CallbackServerContext* context, IntentDistributor& distributor,
                           HubMetrics& metrics, bool mtls_required)
    : context_(context), distributor_(distributor), metrics_(metrics), mtls_required_(mtls_required) {}

AgentSession* AgentSession::Start(grpc::CallbackServerContext* context, IntentDistributor& distributor,
                                  HubMetrics& metrics, bool mtls_required) {
  auto session = std::make_shared<AgentSession>(context, distributor, metrics, mtls_required);
  session->self_ = session;
  session->StartRead(&session->in_);
  return session.get();
}

void AgentSession::Enqueue(PushPtr push) {
  absl::MutexLock lock(&mu_);
  if (finish_ || finished_ || write_broken_) return;
  if (push->kind == PreparedPush::Kind::kWelcome) {
    welcome_ = std::move(push);
  } else if (queue_.Push(std::move(push))) {
    metrics_.OnCoalesced();
  }
}

void AgentSession::Close(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finish_ || finished_) return;
  finish_ = ToGrpc(status);
}

void AgentSession::Kick() {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    next = NextLocked();
  }
  Carry(next);
}

size_t AgentSession::Queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size() + (welcome_ ? 1 : 0);
}

AgentSession::Next AgentSession::NextLocked() {
  Next next;
  if (writing_ || finished_) return next;
  if (finish_) {
    finished_ = true;
    next.finish = *finish_;
    return next;
  }
  if (write_broken_) return next;
  if (welcome_) {
    writing_ = std::move(welcome_);
    welcome_.reset();
  } else if (std::optional<PushPtr> push = queue_.Pop()) {
    writing_ = *std::move(push);
  } else {
    return next;
  }
  next.write = &writing_->bytes;
  return next;
}

void AgentSession::Carry(const Next& next) {
  if (next.write != nullptr) StartWrite(next.write);
  if (next.finish) Finish(*next.finish);
}

void AgentSession::OnWriteDone(bool ok) {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    if (ok && writing_ && writing_->kind != PreparedPush::Kind::kWelcome) {
      metrics_.OnPush(writing_->kind == PreparedPush::Kind::kUpsert ? "upsert" : "delete", writing_->size);
    }
    writing_.reset();
    if (!ok) write_broken_ = true;  // the stream is going away; OnCancel/OnDone follow
    next = NextLocked();
  }
  Carry(next);
}

void AgentSession::Reject(std::string_view reason, const absl::Status& status) {
  metrics_.OnStreamRejected(reason);
  Close(status);
  Kick();
}

void AgentSession::OnReadDone(bool ok) {
  if (!ok) {
    // The agent half-closed (a clean shutdown) or the stream broke (OnCancel
    // tells which). Either way there is nothing more to read.
    read_closed_ = true;
    Close(absl::OkStatus());
    Kick();
    return;
  }
  HandleMessage();
}

void AgentSession::HandleMessage() {
  fleet::v1::AgentMessage message;
  const grpc::Status parsed = grpc::SerializationTraits<fleet::v1::AgentMessage>::Deserialize(&in_, &message);
  in_.Clear();
  if (!parsed.ok()) {
    Reject("malformed", absl::InvalidArgumentError("malformed AgentMessage: not a valid fleet.v1.AgentMessage "
                                                   "protobuf; is the agent speaking the fleet/v1 protocol?"));
    return;
  }
  if (cluster_.empty()) {
    if (message.kind_case() != fleet::v1::AgentMessage::kHello) {
      Reject("no_hello", absl::InvalidArgumentError("the first message on a Connect stream must be Hello"));
      return;
    }
    absl::StatusOr<uint64_t> session =
        distributor_.OnHello(shared_from_this(), message.hello(), IdentityOf(context_, mtls_required_));
    if (!session.ok()) {
      Reject(absl::IsPermissionDenied(session.status()) ? "unauthorized" : "bad_hello", session.status());
      return;
    }
    cluster_ = message.hello().cluster();
    session_ = *session;
  } else if (absl::Status s = distributor_.OnMessage(cluster_, session_, message); !s.ok()) {
    Reject(absl::IsAborted(s) ? "replaced" : "protocol", s);
    return;
  }
  StartRead(&in_);
}

void AgentSession::OnCancel() {
  Close(absl::CancelledError("stream cancelled"));
  Kick();
}

void AgentSession::OnDone() {
  if (!cluster_.empty()) {
    distributor_.OnStreamEnd(cluster_, session_, read_closed_ && !context_->IsCancelled());
  }
  // Moved out first: the member must not be destroyed while reset() runs.
  std::shared_ptr<AgentSession> last = std::move(self_);
}

}  // namespace srfleet::hub
