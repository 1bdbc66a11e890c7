#include "hub/server/event_bus.h"

#include <utility>
#include <vector>

namespace srfleet::hub {

uint64_t EventBus::Subscribe(Filter filter, Wakeup wakeup, size_t capacity) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  subscribers_.emplace(id, Subscriber{std::move(filter), std::move(wakeup), capacity, {}, 0});
  return id;
}

void EventBus::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(id);
}

std::deque<fleet::v1::FleetEvent> EventBus::Drain(uint64_t id, uint64_t* dropped) {
  absl::MutexLock lock(&mu_);
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return {};
  if (dropped != nullptr) *dropped = std::exchange(it->second.dropped, 0);
  return std::exchange(it->second.queue, {});
}

void EventBus::Publish(fleet::v1::FleetEvent event) {
  std::vector<Wakeup> wake;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, sub] : subscribers_) {
      if (!sub.filter.intent_id.empty() && sub.filter.intent_id != event.intent_id()) continue;
      if (!sub.filter.cluster.empty() && sub.filter.cluster != event.cluster()) continue;
      if (sub.queue.size() >= sub.capacity) {
        sub.queue.pop_front();
        ++sub.dropped;
      }
      const bool was_empty = sub.queue.empty();
      sub.queue.push_back(event);
      if (was_empty && sub.wakeup) wake.push_back(sub.wakeup);
    }
  }
  for (auto& w : wake) w();
}

size_t EventBus::subscribers() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace srfleet::hub
