// What the IntentDistributor needs of one agent's stream: queue a push
// (coalesced per intent), close the stream. AgentSession implements it over
// gRPC; tests implement it in memory. Calls never block.
//
// Enqueue and Close only record what to do; Kick does it (starts the write
// or the Finish). The distributor calls Kick after releasing its lock: gRPC
// may run other streams' reactions inline inside StartWrite, and those take
// the distributor lock.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "hub/server/prepared_push.h"

namespace srfleet::hub {

class AgentChannel {
 public:
  virtual ~AgentChannel() = default;
  // Welcome goes out before anything queued; other pushes coalesce by intent.
  virtual void Enqueue(PushPtr push) = 0;
  // Ends the stream with `status` (after the write in flight, if any).
  virtual void Close(const absl::Status& status) = 0;
  virtual void Kick() = 0;
  virtual size_t Queued() const = 0;
};

}  // namespace srfleet::hub
