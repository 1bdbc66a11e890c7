// One agent's Connect stream, as a gRPC callback reactor (no thread per
// stream). Messages arrive as raw bytes and are parsed here, so a malformed
// one is refused with a clear INVALID_ARGUMENT instead of an opaque internal
// error; pushes leave as pre-serialised bytes shared across streams.
// One read and at most one write are in flight at any time; the PushQueue
// between the distributor and the write coalesces per intent.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hub/server/agent_channel.h"
#include "hub/server/hub_metrics.h"
#include "hub/server/intent_distributor.h"
#include "hub/server/push_queue.h"

namespace grpc {
class CallbackServerContext;
}

namespace srfleet::hub {

class AgentSession final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                           public AgentChannel,
                           public std::enable_shared_from_this<AgentSession> {
 public:
  // Starts reading; the session keeps itself alive until OnDone.
  static AgentSession* Start(grpc::CallbackServerContext* context, IntentDistributor& distributor,
                             HubMetrics& metrics, bool mtls_required);

  // AgentChannel
  void Enqueue(PushPtr push) override;
  void Close(const absl::Status& status) override;
  void Kick() override;
  size_t Queued() const override;

  // grpc::ServerBidiReactor
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  AgentSession(grpc::CallbackServerContext* context, IntentDistributor& distributor, HubMetrics& metrics,
               bool mtls_required);

 private:
  void HandleMessage();
  void Reject(std::string_view reason, const absl::Status& status);
  // With mu_ held: what to do next, carried out after unlocking (gRPC may
  // run reactions inline, so it is never called with our lock held).
  struct Next {
    const grpc::ByteBuffer* write = nullptr;
    std::optional<grpc::Status> finish;
  };
  Next NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Carry(const Next& next);

  grpc::CallbackServerContext* const context_;
  IntentDistributor& distributor_;
  HubMetrics& metrics_;
  const bool mtls_required_;
  std::shared_ptr<AgentSession> self_;  // released in OnDone
  grpc::ByteBuffer in_;                 // owned by the single outstanding read

  // Set once by the reading side (one read at a time), read in OnDone.
  std::string cluster_;
  uint64_t session_ = 0;
  bool read_closed_ = false;

  mutable absl::Mutex mu_;
  PushQueue queue_ ABSL_GUARDED_BY(mu_);
  PushPtr welcome_ ABSL_GUARDED_BY(mu_);
  PushPtr writing_ ABSL_GUARDED_BY(mu_);  // the push whose bytes are being written
  bool write_broken_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> finish_ ABSL_GUARDED_BY(mu_);  // requested
  bool finished_ ABSL_GUARDED_BY(mu_) = false;               // Finish() called
};

}  // namespace srfleet::hub
