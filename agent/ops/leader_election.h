// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does it, so that of several agent replicas exactly
// one reconciles:
//   - a candidate takes the lease when it has no holder (released) or when
//     its record has not changed for leaseDurationSeconds *as measured on the
//     candidate's own clock* since the candidate last saw it change (no
//     trust in other machines' clocks);
//   - every write is a compare-and-swap on metadata.resourceVersion (409: an
//     other candidate won this round; try again after retry_period);
//   - the leader renews every retry_period and steps down when it could not
//     renew for renew_deadline. Each attempt is bounded by a request timeout
//     so that the step-down happens before any other candidate can see the
//     lease as expired (renew_deadline + request timeout < lease_duration);
//   - on Stop() a leader releases the lease (empty holderIdentity) so that a
//     successor takes over at once instead of after lease_duration.
//
// Callbacks run on the elector's thread: they must return quickly (start or
// stop the controllers and return), or renewals are delayed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/kube/clock.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/rest_config.h"

namespace srfleet::agent {

struct LeaderElectionConfig {
  std::string lease_name = "srfleet-agent";
  std::string lease_namespace = "default";
  std::string identity;  // "" : "<hostname>_<pid>"
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  // Release the lease on Stop() (the normal case). false simulates a crash.
  bool release_on_stop = true;
  // Time as the elector sees it (lease expiry, renew deadline) and its
  // sleeps. null: the real clock.
  kube::Clock* clock = nullptr;

  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  // The holder changed (including to us, and to "" when released). Optional.
  std::function<void(const std::string& holder)> on_new_leader;
};

// "<hostname>_<pid>": unique per process, readable in `kubectl get lease`.
std::string DefaultLeaderIdentity();

class LeaderElector {
 public:
  // Checks the durations (lease_duration > renew_deadline > retry_period > 0)
  // and builds the elector's own client from `rest`: one attempt per request
  // (the loop is the retry) and a per-attempt timeout that keeps a hung
  // request from outliving the lease. `base` supplies the rest (observer
  // for metrics, transport; tests).
  static absl::StatusOr<std::unique_ptr<LeaderElector>> New(const kube::RestConfig& rest, LeaderElectionConfig config,
                                                            kube::ClientOptions base = {});
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Runs the election loop on a thread until Stop(). Once.
  void Start();
  // Ends the loop; a leader releases the lease (unless configured not to)
  // and gets on_stopped_leading before this returns. Idempotent.
  void Stop();

  bool IsLeader() const;
  const std::string& identity() const;
  // The holder last seen in the lease ("" when free or not read yet).
  std::string observed_leader() const;

  // One round, without sleeping: read the lease, then create, take over or
  // renew it. true when this elector holds the lease afterwards. Does not
  // invoke callbacks or change IsLeader(); the loop does. Exposed for tests
  // that drive time with a FakeClock.
  absl::StatusOr<bool> TryAcquireOrRenew();

 private:
  struct State;
  explicit LeaderElector(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::agent
