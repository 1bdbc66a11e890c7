#include "agent/ops/leader_election.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "shared/kube/api_error.h"
#include "shared/kube/cancel.h"

namespace srfleet::agent {
namespace {

// client-go's JitterFactor for candidates: spreads the retries of replicas
// that started together.
constexpr double kCandidateJitter = 1.2;

// Lease times are MicroTime: RFC 3339 with microseconds, UTC.
std::string MicroTime(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }

int64_t WholeSecondsCeil(absl::Duration d) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d))));
}

std::string HolderOf(const Json& spec) {
  auto it = spec.find("holderIdentity");
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t IntAt(const Json& spec, const char* key, int64_t fallback) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// The result of one round.
enum class Round {
  kHeld,          // we hold the lease now
  kHeldByOther,   // someone else holds an unexpired lease
  kLostRace,      // a concurrent write won (409 / AlreadyExists): no verdict
};

}  // namespace

std::string DefaultLeaderIdentity() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "unknown");
  return absl::StrCat(host, "_", static_cast<int64_t>(::getpid()));
}

struct LeaderElector::State {
  LeaderElectionConfig config;
  std::string identity;
  std::unique_ptr<kube::KubeClient> client;
  kube::Clock* clock = nullptr;
  kube::ResourceRef ref;
  kube::CancelToken cancel;

  mutable absl::Mutex mu;
  // What we last read or wrote, and when (our clock) it last changed: the
  // expiry of someone else's lease is judged from this, never from the
  // timestamps inside it.
  Json observed_spec ABSL_GUARDED_BY(mu);
  absl::Time observed_time ABSL_GUARDED_BY(mu);
  std::string observed_holder ABSL_GUARDED_BY(mu);
  bool leading ABSL_GUARDED_BY(mu) = false;

  absl::Mutex thread_mu;
  bool started ABSL_GUARDED_BY(thread_mu) = false;
  std::thread thread ABSL_GUARDED_BY(thread_mu);
  absl::BitGen rng;  // loop thread only

  void Observe(const Json& spec, absl::Time now) {
    std::string holder = HolderOf(spec);
    bool holder_changed;
    {
      absl::MutexLock lock(&mu);
      if (spec != observed_spec) {
        observed_spec = spec;
        observed_time = now;
      }
      holder_changed = holder != observed_holder;
      observed_holder = holder;
    }
    if (holder_changed && config.on_new_leader) config.on_new_leader(holder);
  }

  Json LeaseObject(Json spec) const {
    return Json{{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", config.lease_name}, {"namespace", config.lease_namespace}}},
                {"spec", std::move(spec)}};
  }

  absl::StatusOr<Round> Attempt() {
    const absl::Time now = clock->Now();
    const int64_t duration_seconds = WholeSecondsCeil(config.lease_duration);
    absl::StatusOr<Json> lease = client->Get(ref);
    if (kube::IsNotFound(lease.status())) {
      Json spec = {{"holderIdentity", identity},
                   {"leaseDurationSeconds", duration_seconds},
                   {"acquireTime", MicroTime(now)},
                   {"renewTime", MicroTime(now)},
                   {"leaseTransitions", 0}};
      absl::StatusOr<Json> created = client->Create(ref, LeaseObject(spec));
      if (kube::IsAlreadyExists(created.status()) || kube::IsConflict(created.status())) return Round::kLostRace;
      if (!created.ok()) return created.status();
      Observe(created->value("spec", Json::object()), now);
      return Round::kHeld;
    }
    if (!lease.ok()) return lease.status();

    Json old_spec = lease->value("spec", Json::object());
    if (!old_spec.is_object()) old_spec = Json::object();
    Observe(old_spec, now);
    const std::string holder = HolderOf(old_spec);
    if (!holder.empty() && holder != identity) {
      absl::Time expires;
      {
        absl::MutexLock lock(&mu);
        expires = observed_time + absl::Seconds(IntAt(old_spec, "leaseDurationSeconds", duration_seconds));
      }
      if (expires > now) return Round::kHeldByOther;
    }

    Json spec = old_spec;
    spec["holderIdentity"] = identity;
    spec["leaseDurationSeconds"] = duration_seconds;
    spec["renewTime"] = MicroTime(now);
    if (holder != identity) {
      spec["acquireTime"] = MicroTime(now);
      spec["leaseTransitions"] = IntAt(old_spec, "leaseTransitions", 0) + 1;
    }
    Json updated_lease = *lease;  // keeps metadata.resourceVersion: a compare-and-swap
    updated_lease["spec"] = std::move(spec);
    absl::StatusOr<Json> updated = client->Update(ref, updated_lease);
    if (kube::IsConflict(updated.status())) return Round::kLostRace;
    if (!updated.ok()) return updated.status();
    Observe(updated->value("spec", Json::object()), now);
    return Round::kHeld;
  }

  // An unexpected exception (a malformed lease from the server) is a failed
  // round, not the end of the process.
  absl::StatusOr<Round> SafeAttempt() {
    try {
      return Attempt();
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("leader election: ", e.what()));
    }
  }

  // Hands the lease back: empty holder, 1 s duration (client-go's release).
  void Release() {
    const absl::Time now = clock->Now();
    absl::StatusOr<Json> lease = client->Get(ref);
    if (!lease.ok() || !lease->contains("spec") || HolderOf((*lease)["spec"]) != identity) return;
    Json& spec = (*lease)["spec"];
    spec["holderIdentity"] = "";
    spec["leaseDurationSeconds"] = 1;
    spec["acquireTime"] = MicroTime(now);
    spec["renewTime"] = MicroTime(now);
    // A conflict means someone else wrote it after us: nothing to release.
    absl::StatusOr<Json> released = client->Update(ref, *lease);
    if (released.ok()) Observe((*released)["spec"], now);
  }

  void SetLeading(bool value) {
    {
      absl::MutexLock lock(&mu);
      if (leading == value) return;
      leading = value;
    }
    const auto& callback = value ? config.on_started_leading : config.on_stopped_leading;
    if (callback) callback();
  }

  void Loop() {
    absl::Time last_renew = absl::InfinitePast();
    bool leader = false;
    while (!cancel.cancelled()) {
      const absl::Time attempt_start = clock->Now();
      absl::StatusOr<Round> round = SafeAttempt();
      if (round.ok() && *round == Round::kHeld) {
        // The attempt's start, not its end: the server wrote the renewal
        // after this, so our deadline is never later than what others see.
        last_renew = attempt_start;
        leader = true;
        SetLeading(true);
      } else if (leader) {
        const bool taken = round.ok() && *round == Round::kHeldByOther;
        if (taken || clock->Now() - last_renew >= config.renew_deadline) {
          leader = false;
          SetLeading(false);
        }
      }
      absl::Duration wait = config.retry_period;
      if (leader) {
        // Wake up no later than the renew deadline, to step down on time.
        wait = std::min(wait, last_renew + config.renew_deadline - clock->Now());
      } else {
        wait = wait * (1.0 + kCandidateJitter * absl::Uniform<double>(rng, 0.0, 1.0));
      }
      if (!clock->SleepFor(wait, &cancel)) break;
    }
    if (leader) {
      // Stop our work first, then hand the lease over: the successor must
      // not start while we still reconcile.
      SetLeading(false);
      if (config.release_on_stop) {
        try {
          Release();
        } catch (const std::exception&) {
          // Best effort: the lease then expires after lease_duration.
        }
      }
    }
  }
};

LeaderElector::LeaderElector(std::unique_ptr<State> state) : state_(std::move(state)) {}

LeaderElector::~LeaderElector() { Stop(); }

absl::StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::New(const kube::RestConfig& rest,
                                                                  LeaderElectionConfig config,
                                                                  kube::ClientOptions base) {
  if (config.lease_name.empty() || config.lease_namespace.empty()) {
    return absl::InvalidArgumentError("leader election: lease name and namespace are required");
  }
  if (!(config.retry_period > absl::ZeroDuration() && config.renew_deadline > config.retry_period &&
        config.lease_duration > config.renew_deadline)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leader election: want lease_duration > renew_deadline > retry_period > 0, got ",
        absl::FormatDuration(config.lease_duration), ", ", absl::FormatDuration(config.renew_deadline), ", ",
        absl::FormatDuration(config.retry_period)));
  }
  auto state = std::make_unique<State>();
  state->identity = config.identity.empty() ? DefaultLeaderIdentity() : config.identity;
  state->clock = config.clock != nullptr ? config.clock : &kube::Clock::Real();
  state->ref = kube::ResourceRef::Grouped("coordination.k8s.io", "v1", "leases", config.lease_namespace,
                                          config.lease_name);

  // A leader whose renewal hangs must still step down before the lease can
  // look expired to anyone: renew_deadline + timeout < lease_duration.
  kube::RestConfig bounded = rest;
  const absl::Duration margin = (config.lease_duration - config.renew_deadline) / 2;
  bounded.timeout = rest.timeout > absl::ZeroDuration() ? std::min(rest.timeout, margin) : margin;
  base.max_attempts = 1;  // the election loop is the retry
  base.clock = nullptr;   // the client's own sleeps stay real
  absl::StatusOr<std::unique_ptr<kube::KubeClient>> client = kube::KubeClient::New(bounded, std::move(base));
  if (!client.ok()) return client.status();
  state->client = *std::move(client);
  state->config = std::move(config);
  return std::unique_ptr<LeaderElector>(new LeaderElector(std::move(state)));
}

void LeaderElector::Start() {
  absl::MutexLock lock(&state_->thread_mu);
  if (state_->started) return;
  state_->started = true;
  state_->thread = std::thread([s = state_.get()] { s->Loop(); });
}

void LeaderElector::Stop() {
  state_->cancel.Cancel();
  absl::MutexLock lock(&state_->thread_mu);
  if (state_->thread.joinable()) state_->thread.join();
}

bool LeaderElector::IsLeader() const {
  absl::MutexLock lock(&state_->mu);
  return state_->leading;
}

const std::string& LeaderElector::identity() const { return state_->identity; }

std::string LeaderElector::observed_leader() const {
  absl::MutexLock lock(&state_->mu);
  return state_->observed_holder;
}

absl::StatusOr<bool> LeaderElector::TryAcquireOrRenew() {
  absl::StatusOr<Round> round = state_->SafeAttempt();
  if (!round.ok()) return round.status();
  return *round == Round::kHeld;
}

}  // namespace srfleet::agent
