// One AgentLink.Connect stream. The connect loop's thread opens it, reads
// from it and answers pushes; a sender thread owned here writes everything
// else once the hub said Welcome: heartbeats every interval (with a
// ClaimsUpdate when the claims changed since last said), and a status
// report per flush when there is one. Writes from both threads go through
// one mutex (gRPC allows one writer and one reader at a time).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/hublink/status_reporter.h"
#include "fleet/v1/agent_link.grpc.pb.h"

namespace srfleet::agent::hublink {

using ClaimsFn = std::function<std::map<std::string, std::string>()>;

// Shared by every stream of one HubLink (see HubLinkStats).
struct LinkCounters {
  std::atomic<int64_t> connect_attempts{0};
  std::atomic<int64_t> connects{0};
  std::atomic<int64_t> upserts_applied{0};
  std::atomic<int64_t> deletes_applied{0};
  std::atomic<int64_t> acks{0};
  std::atomic<int64_t> nacks{0};
  std::atomic<int64_t> status_reports_sent{0};
  std::atomic<int64_t> routers_sent{0};
  std::atomic<int64_t> removed_sent{0};
  std::atomic<int64_t> heartbeats_sent{0};
  std::atomic<int64_t> claims_updates_sent{0};
};

struct LinkSessionConfig {
  absl::Duration flush_interval = absl::Milliseconds(100);
  // From dialling to Welcome: a hub that never gets there is treated as down.
  absl::Duration welcome_timeout = absl::Seconds(30);
  ClaimsFn claims;                                  // may be null
  std::map<std::string, std::string> hello_claims;  // what Hello said
  StatusReporter* reporter = nullptr;
  LinkCounters* counters = nullptr;
};

class LinkSession {
 public:
  using Stream = grpc::ClientReaderWriter<fleet::v1::AgentMessage, fleet::v1::HubMessage>;

  explicit LinkSession(LinkSessionConfig config);
  ~LinkSession();  // Finish() if not done
  LinkSession(const LinkSession&) = delete;
  LinkSession& operator=(const LinkSession&) = delete;

  // Starts the sender thread and the call (blocks while the channel
  // connects; Cancel() or the Welcome timeout ends the wait).
  void Open(fleet::v1::AgentLink::Stub& stub);
  // Serialised with the sender; false once the stream is broken.
  bool Write(const fleet::v1::AgentMessage& message);
  // The opening thread only; false when the stream ended.
  bool Read(fleet::v1::HubMessage* message);
  // Heartbeats and status reports begin (the reporter must have been told
  // BeginStream() before).
  void OnWelcome(absl::Duration heartbeat_interval);
  // Thread-safe, idempotent, also before Open(): Read and Write fail promptly.
  void Cancel();
  // Stops the sender, then collects the call's status. Call after Read
  // returned false.
  grpc::Status Finish();

 private:
  void SenderLoop();
  // One sender step at `now`; false to stop (the stream broke).
  bool SendDue(absl::Time now);

  LinkSessionConfig config_;
  grpc::ClientContext context_;
  absl::Time opened_;  // set before the sender starts

  absl::Mutex write_mu_;
  // Set by Open (on the reading thread) once the call exists.
  std::unique_ptr<Stream> stream_ ABSL_GUARDED_BY(write_mu_);
  bool broken_ ABSL_GUARDED_BY(write_mu_) = false;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool welcomed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration heartbeat_interval_ ABSL_GUARDED_BY(mu_);
  absl::Time next_heartbeat_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> last_claims_;  // sender thread only
  std::thread sender_;
  bool finished_ = false;
};

}  // namespace srfleet::agent::hublink
