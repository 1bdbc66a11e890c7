// What the hub hears about the cluster's SemanticRouters: an informer marks
// routers dirty as they change; each flush turns the dirty ones into one
// StatusReport holding only the routers whose RouterStatus differs from what
// this stream was last sent (observed_unix_ms aside), at most one send per
// router per min interval (a throttled router stays dirty, so its latest
// state always goes out), and the deleted ones in `removed`. The first report
// of a stream is full: every router, full=true.
//
// Every router is reported, hub-managed or local: the hub shows what runs
// where, not only what it placed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/controller/informer.h"
#include "fleet/v1/agent_link.pb.h"
#include "shared/kube/kube_client.h"

namespace srfleet::agent::hublink {

struct StatusReporterOptions {
  std::string watch_namespace;  // "" : all namespaces
  absl::Duration min_interval_per_router = absl::Seconds(1);
  // Backoff and watch timeout of the informer (tests shorten them).
  InformerOptions informer;
};

class StatusReporter {
 public:
  StatusReporter(kube::KubeClient& client, StatusReporterOptions options);
  ~StatusReporter();  // Stop()
  StatusReporter(const StatusReporter&) = delete;
  StatusReporter& operator=(const StatusReporter&) = delete;

  void Start();  // the informer
  void Stop();
  bool Synced() const;

  // A new stream: forget what was sent; the next report is the full one.
  void BeginStream();
  // The report to send now, recorded as sent; nullopt when there is nothing
  // to say (or the full report waits for the informer's first list).
  std::optional<fleet::v1::StatusReport> NextReport(absl::Time now);
  // Routers changed since they were last considered (throttled ones
  // included): for tests and debugging.
  size_t pending() const;

 private:
  void MarkDirty(const Json& router);

  StatusReporterOptions options_;
  Informer informer_;

  mutable absl::Mutex mu_;
  bool full_pending_ ABSL_GUARDED_BY(mu_) = true;
  // "<ns>/<name>" -> when the informer last delivered a change of it.
  std::map<std::string, absl::Time> dirty_ ABSL_GUARDED_BY(mu_);
  struct Sent {
    fleet::v1::RouterStatus status;
    absl::Time at;
  };
  std::map<std::string, Sent> sent_ ABSL_GUARDED_BY(mu_);  // on this stream
};

}  // namespace srfleet::agent::hublink
