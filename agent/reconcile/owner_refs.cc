#include "agent/reconcile/owner_refs.h"

#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"

namespace srfleet::agent {

Json ControllerOwnerRef(const Json& router) {
  Json ref = Json::object();
  ref["apiVersion"] = kRouterApiVersion;
  ref["kind"] = kRouterKind;
  ref["name"] = NameOf(router);
  ref["uid"] = UidOf(router);
  ref["controller"] = true;
  ref["blockOwnerDeletion"] = true;
  return ref;
}

void SetControllerOwner(Json& object, const Json& router) {
  object["metadata"]["ownerReferences"] = Json::array({ControllerOwnerRef(router)});
}

std::optional<std::string> ControllingRouterUid(const Json& object) {
  const Json* refs = FindField(object, {"metadata", "ownerReferences"});
  if (!refs || !refs->is_array()) return std::nullopt;
  for (const auto& r : *refs) {
    if (!BoolField(r, {"controller"}, false)) continue;
    const std::string api_version = StringField(r, {"apiVersion"});
    if (StringField(r, {"kind"}) != kRouterKind || api_version.rfind(std::string(kRouterGroup) + "/", 0) != 0) {
      return std::nullopt;
    }
    return StringField(r, {"uid"});
  }
  return std::nullopt;
}

bool HasOwnerUid(const Json& object, const std::string& uid) {
  const Json* refs = FindField(object, {"metadata", "ownerReferences"});
  if (!refs || !refs->is_array() || uid.empty()) return false;
  for (const auto& r : *refs) {
    if (StringField(r, {"uid"}) == uid) return true;
  }
  return false;
}

}  // namespace srfleet::agent
