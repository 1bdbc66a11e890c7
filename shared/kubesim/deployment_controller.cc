#include "shared/kubesim/deployment_controller.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/kubesim/field_manager.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/object_meta.h"

namespace srfleet::kubesim {
namespace {

constexpr char kManager[] = "kube-controller-manager";

int64_t IntOr(const Json* v, int64_t fallback) {
  return v && (v->is_number_integer() || v->is_number_unsigned()) ? v->get<int64_t>() : fallback;
}

// The pod-template-hash the ReplicaSet would get: FNV-1a of the template,
// in the "safe" alphabet the real controller encodes hashes with.
std::string TemplateHash(const Json& deployment) {
  const Json* spec = Child(deployment, "spec");
  const Json* tmpl = spec ? Child(*spec, "template") : nullptr;
  std::string text = tmpl ? WireDump(*tmpl) : "";
  uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  do {
    out.push_back(kAlphabet[h % (sizeof(kAlphabet) - 1)]);
    h /= (sizeof(kAlphabet) - 1);
  } while (h != 0);
  return out;
}

// maxUnavailable of a RollingUpdate (percentages round down), 0 otherwise.
int64_t MaxUnavailable(const Json& deployment, int64_t replicas) {
  const Json* spec = Child(deployment, "spec");
  const Json* strategy = spec ? Child(*spec, "strategy") : nullptr;
  if (!strategy || ChildString(*strategy, "type") != "RollingUpdate") return 0;
  const Json* ru = Child(*strategy, "rollingUpdate");
  const Json* mu = ru ? Child(*ru, "maxUnavailable") : nullptr;
  if (!mu) return replicas / 4;
  if (mu->is_number_integer()) return std::min<int64_t>(mu->get<int64_t>(), replicas);
  if (mu->is_string()) {
    std::string s = mu->get<std::string>();
    int64_t pct = 0;
    if (!s.empty() && s.back() == '%' && absl::SimpleAtoi(s.substr(0, s.size() - 1), &pct)) {
      return std::min<int64_t>(replicas * pct / 100, replicas);
    }
  }
  return 0;
}

Json Condition(const Json* old_conditions, const std::string& type, const std::string& status,
               const std::string& reason, const std::string& message, const std::string& now) {
  std::string transition = now, update = now;
  if (old_conditions && old_conditions->is_array()) {
    for (const auto& c : *old_conditions) {
      if (ChildString(c, "type") != type) continue;
      if (ChildString(c, "status") == status) {
        transition = ChildString(c, "lastTransitionTime");
        if (ChildString(c, "reason") == reason && ChildString(c, "message") == message) {
          update = ChildString(c, "lastUpdateTime");
        }
      }
    }
  }
  Json c = Json::object();
  c["type"] = type;
  c["status"] = status;
  c["lastUpdateTime"] = update;
  c["lastTransitionTime"] = transition;
  c["reason"] = reason;
  c["message"] = message;
  return c;
}

Json DesiredStatus(const Json& deployment, const Json* old_status, int64_t ready, const std::string& now) {
  const Json* spec = Child(deployment, "spec");
  const int64_t replicas = IntOr(spec ? Child(*spec, "replicas") : nullptr, 1);
  const int64_t generation = IntOr(Meta(deployment) ? Child(*Meta(deployment), "generation") : nullptr, 1);
  const Json* old_conditions = old_status ? Child(*old_status, "conditions") : nullptr;
  const std::string rs = absl::StrCat(MetaString(deployment, "name"), "-", TemplateHash(deployment));
  const bool available = ready >= replicas - MaxUnavailable(deployment, replicas);
  // Zero values are omitted, as the Go status struct serialises.
  Json status = Json::object();
  status["observedGeneration"] = generation;
  if (replicas > 0) status["replicas"] = replicas;
  if (replicas > 0) status["updatedReplicas"] = replicas;
  if (ready > 0) status["readyReplicas"] = ready;
  if (ready > 0) status["availableReplicas"] = ready;
  if (replicas - ready > 0) status["unavailableReplicas"] = replicas - ready;
  Json conditions = Json::array();
  conditions.push_back(available ? Condition(old_conditions, "Available", "True", "MinimumReplicasAvailable",
                                             "Deployment has minimum availability.", now)
                                 : Condition(old_conditions, "Available", "False", "MinimumReplicasUnavailable",
                                             "Deployment does not have minimum availability.", now));
  conditions.push_back(ready >= replicas
                           ? Condition(old_conditions, "Progressing", "True", "NewReplicaSetAvailable",
                                       absl::StrCat("ReplicaSet \"", rs, "\" has successfully progressed."), now)
                           : Condition(old_conditions, "Progressing", "True", "ReplicaSetUpdated",
                                       absl::StrCat("ReplicaSet \"", rs, "\" is progressing."), now));
  status["conditions"] = std::move(conditions);
  return status;
}

}  // namespace

void ReconcileDeployment(ClusterCore& core, const ObjectKey& key, bool hold_readiness) {
  const StoredObject* live = core.store.Get(key);
  if (!live || !MetaString(live->view(), "deletionTimestamp").empty()) return;
  const Json& obj = live->view();
  const Json* old_status = Child(obj, "status");
  const Json* spec = Child(obj, "spec");
  const int64_t replicas = IntOr(spec ? Child(*spec, "replicas") : nullptr, 1);
  const int64_t generation = IntOr(Meta(obj) ? Child(*Meta(obj), "generation") : nullptr, 1);
  const bool observed = old_status && IntOr(Child(*old_status, "observedGeneration"), -1) == generation;
  int64_t ready = replicas;
  if (hold_readiness) {
    // Held: new rollouts stay unready; an already observed generation keeps
    // whatever pods it had.
    if (observed) return;
    ready = 0;
  }
  const std::string now = core.Now();
  Json status = DesiredStatus(obj, old_status, ready, now);
  if (old_status && JsonEqual(status, *old_status)) return;
  Json updated = obj;
  updated["status"] = std::move(status);
  updated = RecordUpdate(&obj, updated, kManager, now, nullptr, "status");
  core.CommitPut(key.type, std::move(updated));
}

void ReconcileAllDeployments(ClusterCore& core, bool hold_readiness) {
  auto id = core.registry.IdOf("apps", "deployments");
  if (!id) return;
  std::vector<ObjectKey> keys;
  core.store.Scan(*id, "", "", [&](const ObjectKey& k, const StoredObject&) {
    keys.push_back(k);
    return true;
  });
  for (const auto& k : keys) ReconcileDeployment(core, k, hold_readiness);
}

}  // namespace srfleet::kubesim
