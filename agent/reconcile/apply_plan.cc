#include "agent/reconcile/apply_plan.h"

#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/object_compare.h"
#include "agent/reconcile/owner_refs.h"

namespace srfleet::agent {
namespace {

// The controller ownerReference of `object` as "Kind/name" and uid.
std::optional<std::pair<std::string, std::string>> ControllerOf(const Json& object) {
  const Json* refs = FindField(object, {"metadata", "ownerReferences"});
  if (!refs || !refs->is_array()) return std::nullopt;
  for (const auto& r : *refs) {
    if (BoolField(r, {"controller"}, false)) {
      return std::make_pair(absl::StrCat(StringField(r, {"kind"}), "/", StringField(r, {"name"})),
                            StringField(r, {"uid"}));
    }
  }
  return std::nullopt;
}

}  // namespace

ApplyPlan PlanApply(const DesiredState& desired, const std::string& ns, const std::string& router_uid,
                    const LiveLookup& live, const std::vector<std::pair<std::string, Json>>& owned) {
  ApplyPlan plan;
  for (const Json& object : desired.objects) {
    const std::string kind = KindOf(object), name = NameOf(object);
    const std::string where = absl::StrCat(kind, " ", ns, "/", name);
    absl::StatusOr<std::optional<Json>> current = live(kind, name);
    if (!current.ok()) {
      plan.problems.push_back({absl::StrCat("read ", where, ": ", current.status().message()), true});
      continue;
    }
    if (*current) {
      auto controller = ControllerOf(**current);
      // Never take over what someone else made or controls: an object of
      // ours always carries this router's controller reference.
      if (!controller) {
        plan.problems.push_back({absl::StrCat(where, " already exists and was not created by srfleet (it has no "
                                              "controller ownerReference); delete or rename it, or rename this "
                                              "SemanticRouter")});
        continue;
      }
      if (controller->second != router_uid) {
        plan.problems.push_back({absl::StrCat(where, " already exists and is controlled by ", controller->first,
                                              "; delete or rename it, or rename this SemanticRouter")});
        continue;
      }
      if (IsSubsetOf(object, **current)) {  // already as desired: no write
        ++plan.unchanged;
        continue;
      }
    }
    plan.apply.push_back({object, *std::move(current)});
  }
  for (const auto& [kind, obj] : owned) {
    // Only what this router controls; never what someone else created.
    if (NamespaceOf(obj) != ns || ControllingRouterUid(obj) != router_uid) continue;
    if (desired.Wants(kind, NameOf(obj))) continue;
    if (!StringField(obj, {"metadata", "deletionTimestamp"}).empty()) continue;  // already going
    plan.prune.emplace_back(kind, obj);
  }
  return plan;
}

}  // namespace srfleet::agent
