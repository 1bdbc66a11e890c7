// The single-cluster agent put together: informers for SemanticRouters, every
// owned kind and what backends/storage/gateway refer to; the platform
// detector (which starts and stops the informers of optional APIs as
// discovery changes); the work queue, the RouterReconciler and its workers.
// main.cc adds flags, metrics, health endpoints and leader election around
// it; the end-to-end tests drive it directly against kubesim.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/controller/controller.h"
#include "agent/controller/informer.h"
#include "agent/controller/work_queue.h"
#include "agent/platform/platform_detector.h"
#include "agent/reconcile/event_recorder.h"
#include "agent/reconcile/router_reconciler.h"
#include "shared/kube/kube_client.h"

namespace srfleet::agent {

struct RouterAgentOptions {
  std::string watch_namespace;  // "" : all namespaces
  int workers = 2;
  absl::Duration resync_period = absl::Minutes(10);
  absl::Duration platform_interval = absl::Seconds(30);
  WorkQueueOptions queue;
  RouterReconcilerOptions reconciler;  // watched_namespace is filled in
  EventRecorderOptions events;
  // Backoff and watch timeouts of every informer (selectors and resync are
  // set per informer).
  InformerOptions informer;
  ReconcileObserver* observer = nullptr;  // metrics; may be null
  // Events go through their own client when set (its own rate limiter, as
  // client-go's event broadcaster has), so a burst of Events never eats the
  // reconcile budget. Null: the agent's client.
  kube::KubeClient* events_client = nullptr;
};

class RouterAgent {
 public:
  RouterAgent(kube::KubeClient& client, RouterAgentOptions options);
  ~RouterAgent();  // Stop()
  RouterAgent(const RouterAgent&) = delete;
  RouterAgent& operator=(const RouterAgent&) = delete;

  // Detects the platform (retrying until `timeout`) and starts the informers.
  // Workers do not run yet: a standby replica keeps warm caches.
  absl::Status StartInformers(absl::Duration timeout = absl::Seconds(30));
  bool WaitForSync(absl::Duration timeout) const;
  // Starts the reconcile workers (once leading). Idempotent.
  void StartWorkers();
  // All of the above.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  // Stops workers, the detector and the informers. Idempotent.
  void Stop();

  bool Synced() const;  // every informer loaded its first list
  bool WorkersRunning() const;
  WorkQueue& queue();
  ControllerStats stats() const;
  std::optional<render::PlatformFacts> platform() const;
  EventRecorder::Stats event_stats() const;
  // Re-runs discovery now (tests; normally every platform_interval).
  absl::Status RedetectPlatform();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
