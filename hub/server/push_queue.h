// An agent's send queue: at most one pending push per intent (a newer
// revision or a delete replaces what is still waiting: latest wins), sent in
// the order intents first became pending. Bounded by the number of intents,
// so a slow agent costs memory proportional to the fleet's intents, never to
// the rate of change, and never holds other agents back. Not thread-safe
// (AgentSession guards it).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "hub/server/prepared_push.h"

namespace srfleet::hub {

class PushQueue {
 public:
  // Returns true when `push` replaced a pending push (coalesced).
  bool Push(PushPtr push);
  std::optional<PushPtr> Pop();
  size_t size() const { return pending_.size(); }
  bool empty() const { return pending_.empty(); }
  uint64_t coalesced() const { return coalesced_; }

 private:
  std::deque<std::string> order_;                       // intent ids; may hold stale ids
  absl::flat_hash_map<std::string, PushPtr> pending_;   // intent id -> latest push
  uint64_t coalesced_ = 0;
};

}  // namespace srfleet::hub
