// The reconcile loop for one SemanticRouter (agent::Reconciler): finalizer,
// validation, platform facts, backends, storage check, render, server-side
// apply of what differs, prune of what is no longer wanted, status, Events.
//
// It reads only informer caches (plus the Secrets the config needs) and
// writes only what changed: a pass over a converged router issues no write.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/controller/controller.h"
#include "agent/reconcile/cache_set.h"
#include "agent/reconcile/desired_state.h"
#include "agent/reconcile/event_recorder.h"
#include "agent/reconcile/recent_writes.h"
#include "agent/reconcile/status_writer.h"
#include "shared/kube/kube_client.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

struct RouterReconcilerOptions {
  std::string field_manager = "srfleet-agent";
  // "" when the agent watches every namespace; otherwise objects outside it
  // (a cross-namespace backend Service or Gateway) cannot be verified.
  std::string watched_namespace;
  // Timed retry while something outside the agent's watches may fix itself
  // (a missing Secret), and as a safety net for unresolved backends.
  absl::Duration retry_unresolved = absl::Seconds(10);
  // Retry while caches or platform facts are not loaded yet.
  absl::Duration retry_not_ready = absl::Seconds(1);
};

class RouterReconciler : public Reconciler {
 public:
  // nullopt from `platform`: not detected yet.
  using PlatformSource = std::function<std::optional<render::PlatformFacts>()>;

  RouterReconciler(kube::KubeClient& client, const CacheSet& caches, PlatformSource platform, EventRecorder& events,
                   RouterReconcilerOptions options = {});

  absl::StatusOr<ReconcileResult> Reconcile(const std::string& key) override;

 private:
  struct Pass;

  absl::StatusOr<ReconcileResult> ReconcileOnce(const std::string& key);
  std::optional<Json> Live(const std::string& kind, const std::string& ns, const std::string& name);
  absl::StatusOr<ReconcileResult> Finalize(const std::string& key, const Json& router);
  absl::StatusOr<Json> EnsureFinalizer(const std::string& key, const Json& router);
  absl::Status WriteStatus(const std::string& key, const Json& router, const Json& status);
  absl::StatusOr<ReconcileResult> FailRouter(const std::string& key, const Json& router, const std::string& reason,
                                             const std::string& message);
  // Plans (apply_plan.h), then applies what differs and deletes what the
  // router no longer wants.
  void ApplyAndPrune(Pass& pass);
  void CheckGateway(Pass& pass);
  // Drops per-router state (Event aggregation, read-your-writes entries).
  void Forget(const std::string& key, bool keep_recent_writes = false);
  // Whether the renderer's warnings for `key` differ from the last pass's.
  bool NoteWarningsChanged(const std::string& key, const std::vector<std::string>& warnings);

  kube::KubeClient& client_;
  const CacheSet& caches_;
  PlatformSource platform_;
  EventRecorder& events_;
  RouterReconcilerOptions options_;
  StatusWriter status_writer_;
  RecentWrites recent_;
  absl::Mutex mu_;
  std::map<std::string, std::string> uids_ ABSL_GUARDED_BY(mu_);  // router key -> uid (to forget Events)
  std::map<std::string, std::string> warnings_ ABSL_GUARDED_BY(mu_);  // router key -> last warnings
};

}  // namespace srfleet::agent
