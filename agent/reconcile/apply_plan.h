// What one pass must write, decided without writing: which desired objects
// differ from (or are missing in) the cluster, which objects the router
// controls but no longer wants (prune), and which names are taken by objects
// srfleet must not touch. Pure: the reconciler supplies the live lookups.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/reconcile/desired_state.h"
#include "shared/json/json.h"

namespace srfleet::agent {

struct ApplyStep {
  Json desired;               // ready to apply
  std::optional<Json> live;   // nullopt: it will be created
};

struct PlanProblem {
  std::string message;
  bool transient = false;  // an API error: retry with backoff
};

struct ApplyPlan {
  std::vector<ApplyStep> apply;                      // in apply order
  std::vector<std::pair<std::string, Json>> prune;   // kind, live object
  std::vector<PlanProblem> problems;                 // names taken, lookups failed
  size_t unchanged = 0;
};

// The live object of a desired kind/name in the router's namespace:
// nullopt when absent; an error when it could not be read.
using LiveLookup = std::function<absl::StatusOr<std::optional<Json>>(const std::string& kind, const std::string& name)>;

// `owned`: (kind, object) for every cached object with an ownerReference to
// `router_uid` (the caller leaves out those it already deleted).
ApplyPlan PlanApply(const DesiredState& desired, const std::string& ns, const std::string& router_uid,
                    const LiveLookup& live, const std::vector<std::pair<std::string, Json>>& owned);

}  // namespace srfleet::agent
