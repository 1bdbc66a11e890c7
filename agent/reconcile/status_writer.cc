#include "agent/reconcile/status_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/reconcile/event_recorder.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/object_compare.h"
#include "agent/reconcile/resource_kinds.h"

namespace srfleet::agent {
namespace {

class Conditions {
 public:
  Conditions(const Json* live_status, int64_t generation, absl::Time now)
      : generation_(generation), now_(FormatKubeTime(now)) {
    if (live_status) {
      if (const Json* c = FindField(*live_status, {"conditions"}); c && c->is_array()) live_ = c;
    }
  }

  void Set(const std::string& type, bool status, const std::string& reason, const std::string& message) {
    const std::string value = status ? "True" : "False";
    // lastTransitionTime moves only when the status flips.
    std::string transition = now_;
    if (live_) {
      for (const auto& c : *live_) {
        if (StringField(c, {"type"}) == type && StringField(c, {"status"}) == value) {
          transition = StringField(c, {"lastTransitionTime"}, now_);
        }
      }
    }
    Json c = Json::object();
    c["type"] = type;
    c["status"] = value;
    c["observedGeneration"] = generation_;
    c["lastTransitionTime"] = transition;
    c["reason"] = reason;
    c["message"] = message.size() > 32000 ? message.substr(0, 32000) : message;
    list_.push_back(std::move(c));
  }

  Json Take() { return std::move(list_); }

 private:
  const Json* live_ = nullptr;
  int64_t generation_;
  std::string now_;
  Json list_ = Json::array();
};

std::string JoinProblems(const std::vector<StatusProblem>& problems) {
  std::vector<std::string> parts;
  for (const auto& p : problems) parts.push_back(p.message);
  return absl::StrJoin(parts, "; ");
}

}  // namespace

Json ComputeStatus(const StatusInputs& in) {
  Json status = Json::object();
  Conditions conditions(in.live_status, in.generation, in.now);

  if (in.failure) {
    status["phase"] = "Failed";
    status["observedGeneration"] = in.generation;
    conditions.Set("Degraded", true, in.failure->reason, in.failure->message);
    conditions.Set("Progressing", false, in.failure->reason,
                   "nothing is applied until the SemanticRouter is fixed: " + in.failure->message);
    status["conditions"] = conditions.Take();
    return status;
  }

  // --- replicas -------------------------------------------------------------
  const Json* dep = in.deployment;
  const int64_t replicas = dep ? IntField(*dep, {"status", "replicas"}, 0) : 0;
  const int64_t ready = dep ? IntField(*dep, {"status", "readyReplicas"}, 0) : 0;
  // With autoscaling the HPA decides: its current scale is the Deployment's.
  int64_t desired = in.spec_replicas;
  if (in.autoscaling) {
    desired = dep ? IntField(*dep, {"status", "replicas"}, 0) : 0;
    if (desired <= 0 && dep) desired = IntField(*dep, {"spec", "replicas"}, 1);
    if (desired <= 0) desired = 1;
  }
  const bool rolled_out =
      dep && IntField(*dep, {"status", "observedGeneration"}, 0) >= IntField(*dep, {"metadata", "generation"}, 1);
  const std::string pods = absl::StrCat("kubectl -n ", in.ns, " get pods -l app.kubernetes.io/instance=",
                                        in.deployment_name);

  // --- problems ---------------------------------------------------------------
  std::vector<StatusProblem> problems = in.problems;
  if (in.backends && !in.backends->AllResolved()) {
    problems.push_back({"BackendUnresolved", "unresolved backends: " + in.backends->UnresolvedSummary()});
  }
  if (in.storage && !in.storage->ready) problems.push_back({in.storage->reason, in.storage->message});
  if (in.gateway_mode && !in.gateway_ready) problems.push_back({in.gateway_reason, in.gateway_message});

  std::string phase;
  if (!problems.empty()) {
    phase = "Degraded";
  } else if (!dep || ready == 0) {
    phase = "Pending";
  } else if (ready < desired || !rolled_out) {
    phase = "Progressing";
  } else {
    phase = "Running";
  }

  status["phase"] = phase;
  status["replicas"] = replicas;
  status["readyReplicas"] = ready;
  status["observedGeneration"] = in.generation;
  status["gatewayMode"] = in.gateway_mode ? "gateway-integration" : "standalone";
  if (in.routes_wanted) {
    Json features = Json::object();
    std::string host;
    if (in.route) {
      const Json* ingress = FindField(*in.route, {"status", "ingress"});
      if (ingress && ingress->is_array() && !ingress->empty()) host = StringField((*ingress)[0], {"host"});
    }
    features["routesEnabled"] = !host.empty();
    if (!host.empty()) features["routeHostname"] = host;
    status["openshiftFeatures"] = std::move(features);
  }
  if (in.backends) {
    Json backends = Json::array();
    for (const auto& b : in.backends->statuses) backends.push_back(b.ToJson());
    status["backends"] = std::move(backends);
  }

  // --- conditions ---------------------------------------------------------------
  if (!dep) {
    conditions.Set("Available", false, "DeploymentNotCreated",
                   absl::StrCat("Deployment ", in.ns, "/", in.deployment_name, " does not exist yet"));
  } else if (ready == 0) {
    conditions.Set("Available", false, desired == 0 ? "ScaledToZero" : "NoReplicasReady",
                   desired == 0 ? "the router is scaled to zero replicas"
                                : absl::StrCat("0/", desired, " router pods are ready; see `", pods, "`"));
  } else {
    conditions.Set("Available", true, "ReplicasReady", absl::StrCat(ready, "/", desired, " router pods are ready"));
  }

  if (!dep) {
    conditions.Set("Progressing", true, "Creating", "creating the router's objects");
  } else if (!rolled_out) {
    conditions.Set("Progressing", true, "RolloutInProgress",
                   absl::StrCat("Deployment ", in.deployment_name, " has not observed its latest spec yet"));
  } else if (ready < desired) {
    conditions.Set("Progressing", true, "RolloutInProgress",
                   absl::StrCat(ready, "/", desired, " router pods are ready; waiting for the rest (`", pods, "`)"));
  } else {
    conditions.Set("Progressing", false, "RolloutComplete",
                   absl::StrCat("all ", desired, " router pods are ready and up to date"));
  }

  if (problems.empty()) {
    conditions.Set("Degraded", false, "AsExpected", "no problems found");
  } else {
    conditions.Set("Degraded", true, problems.front().reason, JoinProblems(problems));
  }

  if (in.backends) {
    const size_t total = in.backends->statuses.size();
    const size_t ok = static_cast<size_t>(std::count_if(in.backends->statuses.begin(), in.backends->statuses.end(),
                                                        [](const BackendStatus& b) { return b.resolved; }));
    if (ok == total) {
      conditions.Set("BackendsResolved", true, "AllResolved", absl::StrCat(ok, "/", total, " backends resolved"));
    } else {
      conditions.Set("BackendsResolved", false, "BackendUnresolved",
                     absl::StrCat(ok, "/", total, " backends resolved; ", in.backends->UnresolvedSummary(),
                                  ". The router runs with the resolved ones and picks the others up as soon as "
                                  "they appear"));
    }
  }
  if (in.storage) conditions.Set("StorageReady", in.storage->ready, in.storage->reason, in.storage->message);
  if (in.gateway_mode) conditions.Set("GatewayReady", in.gateway_ready, in.gateway_reason, in.gateway_message);
  status["conditions"] = conditions.Take();
  return status;
}

Json StatusMergePatch(const Json& computed, const Json* live) {
  Json patch = computed;
  if (live && live->is_object()) {
    for (auto it = live->begin(); it != live->end(); ++it) {
      if (!computed.contains(it.key())) patch[it.key()] = nullptr;
    }
  }
  return patch;
}

bool StatusUpToDate(const Json& computed, const Json* live) {
  if (!live || !live->is_object()) return computed.empty();
  return JsonEquivalent(computed, *live);
}

absl::StatusOr<std::optional<Json>> StatusWriter::Write(const Json& live_router, const Json& computed) {
  const Json* live = FindField(live_router, {"status"});
  if (StatusUpToDate(computed, live)) return std::optional<Json>();
  Json patch = {{"status", StatusMergePatch(computed, live)}};
  const kube::ResourceRef ref = RouterKindInfo().ref.WithNamespace(NamespaceOf(live_router)).WithName(NameOf(live_router));
  absl::StatusOr<Json> written = client_.MergePatchStatus(ref, patch);
  if (!written.ok()) return written.status();
  return std::optional<Json>(*std::move(written));
}

}  // namespace srfleet::agent
