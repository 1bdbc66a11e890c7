#include "agent/reconcile/desired_state.h"

#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/object_compare.h"
#include "agent/reconcile/owner_refs.h"
#include "agent/reconcile/resource_kinds.h"
#include "shared/render/renderer.h"

namespace srfleet::agent {

std::string ObjectId(const std::string& kind, const std::string& name) { return absl::StrCat(kind, "/", name); }

bool DesiredState::Wants(const std::string& kind, const std::string& name) const {
  const std::string id = ObjectId(kind, name);
  if (keep.count(id)) return true;
  for (const auto& o : objects) {
    if (KindOf(o) == kind && NameOf(o) == name) return true;
  }
  return false;
}

absl::StatusOr<DesiredState> BuildDesiredState(const model::SemanticRouter& router, const Json& live_router,
                                               const DesiredInputs& inputs) {
  render::RenderInput input;
  input.platform = inputs.platform;
  input.backends = inputs.backends;
  input.secret_values = inputs.secret_values;
  absl::StatusOr<render::RenderResult> rendered = render::Render(router, input);
  if (!rendered.ok()) return rendered.status();

  DesiredState out;
  out.warnings = std::move(rendered->warnings);
  const std::string config_name = router.name() + "-config";
  const std::string claim_name = router.name() + "-models";
  for (Json& object : rendered->objects) {
    const std::string kind = KindOf(object);
    const std::string name = NameOf(object);
    const KindInfo* info = FindKind(kind);
    if (!info || !info->owned) {
      return absl::InternalError(absl::StrCat("the renderer produced ", kind, " ", name,
                                              ", a kind the agent does not manage"));
    }
    const std::string where = absl::StrCat(kind, " ", router.ns(), "/", name);
    if (!IsServed(*info, inputs.platform)) {
      out.keep.insert(ObjectId(kind, name));
      out.unserved.push_back(absl::StrCat(where, ": ", info->ref.group, " is not served by this cluster"));
      continue;
    }
    if ((inputs.hold_config && name == config_name && (kind == "ConfigMap" || kind == "Secret")) ||
        (inputs.hold_models_claim && name == claim_name && kind == "PersistentVolumeClaim")) {
      out.keep.insert(ObjectId(kind, name));
      out.held_back.push_back(where);
      continue;
    }
    SetControllerOwner(object, live_router);
    StampDesiredHash(object);
    out.objects.push_back(std::move(object));
  }
  return out;
}

}  // namespace srfleet::agent
