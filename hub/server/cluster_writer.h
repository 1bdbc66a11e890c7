// Write-behind persistence of cluster records (state transitions and the
// agent's last Hello facts). Liveness is soft state: losing the last few
// transitions in a crash costs nothing (agents reconnect and say who they
// are), while writing them inline would put an fsync on every connect. Only
// the latest snapshot per cluster is kept, so a flapping agent costs one
// write per flush, not one per flap. One thread writes, in order, so a newer
// snapshot never loses to an older one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/store/intent_store.h"

namespace srfleet::hub {

class ClusterWriter {
 public:
  // `on_write` (may be null) observes each store call: op name, latency, ok.
  ClusterWriter(IntentStore& store, absl::Duration flush_interval,
                std::function<void(const char*, absl::Duration, bool)> on_write);
  ~ClusterWriter();  // flushes, then stops
  ClusterWriter(const ClusterWriter&) = delete;
  ClusterWriter& operator=(const ClusterWriter&) = delete;

  void Put(const ClusterRecord& record);
  void Delete(const std::string& name);
  // Blocks until everything queued before the call is written; the first
  // error of those writes (or OK).
  absl::Status Flush();

 private:
  void Run();
  absl::Status WriteBatch();

  IntentStore& store_;
  const absl::Duration interval_;
  std::function<void(const char*, absl::Duration, bool)> on_write_;
  absl::Mutex write_mu_;  // one batch at a time (the thread or Flush)
  absl::Mutex mu_;
  // name -> latest snapshot; nullopt-like deletes are kept as tombstones.
  struct Pending {
    bool erase = false;
    ClusterRecord record;
  };
  absl::flat_hash_map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace srfleet::hub
