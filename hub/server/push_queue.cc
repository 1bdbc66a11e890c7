#include "hub/server/push_queue.h"

#include <utility>

namespace srfleet::hub {

bool PushQueue::Push(PushPtr push) {
  auto [it, inserted] = pending_.try_emplace(push->intent_id, push);
  if (inserted) {
    order_.push_back(push->intent_id);
    return false;
  }
  it->second = std::move(push);
  ++coalesced_;
  return true;
}

std::optional<PushPtr> PushQueue::Pop() {
  while (!order_.empty()) {
    std::string id = std::move(order_.front());
    order_.pop_front();
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    PushPtr push = std::move(it->second);
    pending_.erase(it);
    return push;
  }
  return std::nullopt;
}

}  // namespace srfleet::hub
