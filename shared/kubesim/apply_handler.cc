// Server-side apply (PATCH application/apply-patch+yaml).
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/json/yaml_codec.h"
#include "shared/kubesim/builtin_validation.h"
#include "shared/kubesim/field_manager.h"
#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/patch.h"
#include "shared/kubesim/reconciler.h"
#include "shared/kubesim/schema_check.h"
#include "shared/kubesim/status_errors.h"
#include "shared/kubesim/write_pipeline.h"

namespace srfleet::kubesim {
namespace {

// How the real server names a manager in conflict messages (printManager):
// Apply managers by name, Update managers with apiVersion and time.
std::string PrintManager(const Json& live, const std::string& manager) {
  const Json* meta = Meta(live);
  const Json* managed = meta ? Child(*meta, "managedFields") : nullptr;
  const Json* update = nullptr;
  if (managed && managed->is_array()) {
    for (const auto& e : *managed) {
      if (ChildString(e, "manager") != manager) continue;
      if (ChildString(e, "operation") == "Apply") return GoQuote(manager);
      if (!update) update = &e;
    }
  }
  if (!update) return GoQuote(manager);
  std::string out = GoQuote(manager);
  if (std::string sub = ChildString(*update, "subresource"); !sub.empty()) {
    out += " with subresource " + GoQuote(sub);
  }
  out += " using " + ChildString(*update, "apiVersion");
  if (std::string time = ChildString(*update, "time"); !time.empty()) out += " at " + time;
  return out;
}

absl::Status ConflictStatus(const Json& live, const std::vector<FieldConflict>& conflicts) {
  std::vector<StatusCause> causes;
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const auto& c : conflicts) {
    std::string printed = PrintManager(live, c.manager);
    causes.push_back({"FieldManagerConflict", "conflict with " + printed, c.field});
    by_manager[printed].push_back(c.field);
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = absl::StrCat("Apply failed with 1 conflict: conflict with ", PrintManager(live, conflicts[0].manager),
                           ": ", conflicts[0].field);
  } else {
    std::vector<std::string> lines;
    for (const auto& [printed, fields] : by_manager) {
      lines.push_back(absl::StrCat("conflicts with ", printed, ":"));
      for (const auto& f : fields) lines.push_back("- " + f);
    }
    message = absl::StrCat("Apply failed with ", conflicts.size(), " conflicts: ", absl::StrJoin(lines, "\n"));
  }
  return ApplyConflictError(message, causes);
}

absl::Status ApplyOptionsInvalid() {
  FieldProblem p{FieldProblem::Type::kRequired, "fieldManager", "", "is required for apply patch"};
  return InvalidError("PatchOptions", "meta.k8s.io", "", {p});
}

// Server-side apply of the status subresource: kubesim merges the applied
// status into the live one and records the manager as an Update of status.
absl::StatusOr<HandleResult> ApplyStatus(ClusterCore& core, const RequestContext& ctx, const StoredObject& live,
                                         const Json& config) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  Json body = live.Materialize();
  const Json* applied = Child(config, "status");
  const Json* current = Child(body, "status");
  Json merged = MergePatch(current ? *current : Json::object(), applied ? *applied : Json::object());
  body["status"] = std::move(merged);
  auto w = UpdateObject(core, SpecFor(ctx), live, std::move(body));
  if (!w.ok()) return w.status();
  Settle(core);
  return Respond(200, ctx, *w);
}

}  // namespace

absl::StatusOr<HandleResult> HandleApply(ClusterCore& core, const RequestContext& ctx) {
  const std::string manager = ctx.info.Query("fieldManager");
  if (manager.empty()) return ApplyOptionsInvalid();
  const bool force = ctx.info.QueryBool("force");
  auto parsed = ParseYaml(ctx.request->body);
  if (!parsed.ok()) return BadRequestError(absl::StrCat("error decoding YAML: ", parsed.status().message()));
  Json config = std::move(*parsed);
  if (!config.is_object()) return BadRequestError("the applied configuration must be an object");
  if (ChildString(config, "kind").empty()) {
    return BadRequestError(absl::StrCat("Object 'Kind' is missing in '", WireDump(config), "'"));
  }
  if (ChildString(config, "apiVersion").empty()) {
    return BadRequestError(absl::StrCat("Object 'apiVersion' is missing in '", WireDump(config), "'"));
  }
  if (auto st = CheckTypeMeta(ctx, config); !st.ok()) return st;
  const ResourceType& t = *ctx.type;
  const std::string config_name = MetaString(config, "name");
  if (!config_name.empty() && config_name != ctx.info.name) {
    return BadRequestError(absl::StrCat("the name of the object (", config_name,
                                        ") does not match the name on the URL (", ctx.info.name, ")"));
  }
  const std::string config_ns = MetaString(config, "namespace");
  if (t.namespaced && !config_ns.empty() && config_ns != ctx.info.ns) {
    return BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
  }
  const schema::SchemaNode* schema = SchemaOf(t, ctx.version);
  {
    // Apply converts the configuration to its schema type; undeclared
    // fields fail that conversion. (Group "" prints as "/v1", as GVK.String.)
    auto unknown = UnknownTopLevelFields(t, config);
    if (schema) {
      for (auto& f : UnknownFields(*schema, config)) unknown.push_back(std::move(f));
    }
    if (!unknown.empty()) {
      std::vector<std::string> lines;
      for (const auto& f : unknown) lines.push_back(absl::StrCat(".", f, ": field not declared in schema"));
      return BadRequestError(absl::StrCat("failed to create typed patch object (", t.namespaced ? ctx.info.ns : "",
                                          "/", ctx.info.name, "; ", t.group, "/", ctx.version, ", Kind=", t.kind,
                                          "): ", absl::StrJoin(lines, "\n")));
    }
  }
  WriteSpec spec = SpecFor(ctx);
  spec.manager = manager;
  spec.apply = true;
  const StoredObject* live = LiveObject(core, ctx);
  if (spec.status_subresource) {
    if (!live) return NotFoundError(t, ctx.info.name);
    spec.apply = false;
    return ApplyStatus(core, ctx, *live, config);
  }
  if (live) {
    std::string rv = MetaString(config, "resourceVersion");
    if (!rv.empty() && rv != MetaString(live->view(), "resourceVersion")) {
      return StaleResourceVersionError(t, ctx.info.name);
    }
    Json live_full = live->Materialize();
    config["apiVersion"] = ctx.api_version;
    auto outcome = ApplyWithFieldManager(&live_full, config, manager, force, core.Now(), schema);
    if (!outcome.ok()) return BadRequestError(std::string(outcome.status().message()));
    if (!outcome->conflicts.empty()) return ConflictStatus(live_full, outcome->conflicts);
    if (!outcome->changed) {
      HandleResult r;
      r.response = JsonResponse(200, live->Serialize(ResponseVersion(ctx)));
      return r;
    }
    auto w = UpdateObject(core, spec, *live, std::move(outcome->object));
    if (!w.ok()) return w.status();
    Settle(core);
    return Respond(200, ctx, *w);
  }
  if (t.namespaced && ctx.info.ns.empty()) return MethodNotAllowedError();
  if (!MetaString(config, "resourceVersion").empty()) return ResourceVersionOnCreateError();
  config["apiVersion"] = ctx.api_version;
  auto outcome = ApplyWithFieldManager(nullptr, config, manager, force, core.Now(), schema);
  if (!outcome.ok()) return BadRequestError(std::string(outcome.status().message()));
  if (!outcome->conflicts.empty()) return ConflictStatus(Json::object(), outcome->conflicts);
  Json created = std::move(outcome->object);
  MutableMeta(created)["name"] = ctx.info.name;
  auto w = CreateObject(core, spec, std::move(created));
  if (!w.ok()) return w.status();
  Settle(core);
  return Respond(201, ctx, *w);
}

}  // namespace srfleet::kubesim
