// What the IntentDistributor needs of one agent's stream: queue a push
// (coalesced per intent), close the stream. AgentSession implements it over
// gRPC; tests implement it in memory. Calls never block.
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
  virtual void Send(PushPtr push) = 0;
  // Ends the stream with `status` (after the write in flight, if any).
  virtual void Close(const absl::Status& status) = 0;
  virtual size_t Queued() const = 0;
};

}  // namespace srfleet::hub
