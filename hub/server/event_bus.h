// Fleet events (intent applied, pushed, ACKed/NACKed, cluster state, router
// phase) fanned out to WatchEvents subscribers. Publish never blocks: each
// subscriber has a bounded queue and loses its oldest events (and is told how
// many) when it cannot keep up.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "fleet/v1/fleet.pb.h"

namespace srfleet::hub {

class EventBus {
 public:
  // Called (without the bus lock) when a subscriber's queue goes from empty
  // to non-empty.
  using Wakeup = std::function<void()>;
  struct Filter {
    std::string intent_id;
    std::string cluster;
  };

  uint64_t Subscribe(Filter filter, Wakeup wakeup, size_t capacity = 4096);
  void Unsubscribe(uint64_t id);
  // Takes the subscriber's pending events (oldest first). `dropped` counts
  // events lost to overflow since the last call.
  std::deque<fleet::v1::FleetEvent> Drain(uint64_t id, uint64_t* dropped);
  void Publish(fleet::v1::FleetEvent event);
  size_t subscribers() const;

 private:
  struct Subscriber {
    Filter filter;
    Wakeup wakeup;
    size_t capacity;
    std::deque<fleet::v1::FleetEvent> queue;
    uint64_t dropped = 0;
  };
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::hub
