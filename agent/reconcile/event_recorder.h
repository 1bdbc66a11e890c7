// core/v1 Events on SemanticRouters, so `kubectl describe semanticrouter`
// tells what the agent did and what failed. Repeats (same object, type,
// reason and message within the aggregation window) bump count and
// lastTimestamp of the existing Event instead of creating new ones, and that
// patch is itself rate-limited per Event: a backend that stays unresolved
// does not write an Event per reconcile pass.
//
// Writes happen on the recorder's own thread, from a bounded queue (as
// client-go's broadcaster does): a reconcile never waits for an Event, and a
// burst beyond the queue is dropped and counted rather than slowing the agent.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared/json/json.h"
#include "shared/kube/kube_client.h"

namespace srfleet::agent {

struct EventRecorderOptions {
  std::string component = "srfleet-agent";
  std::string instance;  // reportingInstance, e.g. the pod name; "" : the host name
  absl::Duration aggregation_window = absl::Minutes(10);
  // A repeat patches the Event at most this often; counts in between are
  // carried into the next patch.
  absl::Duration min_patch_interval = absl::Minutes(1);
  std::function<absl::Time()> clock;  // null: absl::Now
  size_t max_queued = 5000;           // beyond this, new Events are dropped
};

class EventRecorder {
 public:
  EventRecorder(kube::KubeClient& client, EventRecorderOptions options = {});
  virtual ~EventRecorder();  // Stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `involved` is the SemanticRouter (apiVersion, kind, metadata). `type` is
  // "Normal" or "Warning"; `reason` CamelCase. Failures to write are logged,
  // never returned: an Event is not worth failing a reconcile for.
  // Returns at once; the write happens on the recorder's thread.
  virtual void Record(const Json& involved, const std::string& type, const std::string& reason,
                      const std::string& message);
  // Drops the aggregation state of a deleted object.
  void Forget(const std::string& involved_uid);
  // Writes what is queued (for at most `drain`), then stops the thread;
  // later Records are dropped. Idempotent.
  void Stop(absl::Duration drain = absl::Seconds(1));

  struct Stats {
    int64_t created = 0, patched = 0, suppressed = 0, failed = 0, dropped = 0;
  };
  Stats stats() const;
  // Blocks until the queue is empty (tests).
  void Flush() const;

 private:
  struct Pending {
    Json involved;  // apiVersion, kind, metadata {name, namespace, uid}
    std::string type, reason, message;
    absl::Time at;
  };
  void Run();
  void Process(const Pending& p);

  struct Series {
    std::string ns, name;  // the Event object
    int64_t count = 1;          // as last written
    int64_t pending = 0;        // repeats not yet written
    absl::Time first, last_seen, last_written;
  };
  absl::Time Now() const;
  void Create(const Json& involved, const std::string& type, const std::string& reason, const std::string& message,
              const std::string& key, absl::Time now);
  void SweepLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  kube::KubeClient& client_;
  EventRecorderOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
  int64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_since_sweep_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // the thread is writing one
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time drain_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::thread thread_;
};

// RFC 3339 with seconds, UTC: "2024-05-01T12:00:00Z".
std::string FormatKubeTime(absl::Time t);

}  // namespace srfleet::agent
