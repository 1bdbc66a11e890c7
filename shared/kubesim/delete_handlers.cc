// DELETE and deletecollection.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/garbage_collector.h"
#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/reconciler.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

absl::StatusOr<DeleteOptions> ParseDeleteOptions(const RequestContext& ctx) {
  DeleteOptions options;
  options.dry_run = ctx.dry_run;
  std::string policy = ctx.info.Query("propagationPolicy");
  const std::string& raw = ctx.request->body;
  if (!std::all_of(raw.begin(), raw.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    auto body = ParseJsonBody(raw);
    if (!body.ok()) return body.status();
    if (std::string p = ChildString(*body, "propagationPolicy"); !p.empty()) policy = p;
    if (const Json* orphan = Child(*body, "orphanDependents"); orphan && orphan->is_boolean() && policy.empty()) {
      policy = orphan->get<bool>() ? "Orphan" : "Background";
    }
    if (const Json* pre = Child(*body, "preconditions")) {
      options.precondition_uid = ChildString(*pre, "uid");
      options.precondition_resource_version = ChildString(*pre, "resourceVersion");
    }
    if (const Json* dry = Child(*body, "dryRun"); dry && dry->is_array() && !dry->empty()) options.dry_run = true;
  }
  if (policy.empty() || policy == "Background") {
    options.propagation = Propagation::kBackground;
  } else if (policy == "Foreground") {
    options.propagation = Propagation::kForeground;
  } else if (policy == "Orphan") {
    options.propagation = Propagation::kOrphan;
  } else {
    return InvalidError("DeleteOptions", "meta.k8s.io", "",
                        {{FieldProblem::Type::kNotSupported, "propagationPolicy", GoQuote(policy),
                          "\"Foreground\", \"Background\", \"Orphan\", \"nil\""}});
  }
  return options;
}

}  // namespace

absl::StatusOr<HandleResult> HandleDelete(ClusterCore& core, const RequestContext& ctx) {
  if (!ctx.info.subresource.empty()) return MethodNotAllowedError();
  const StoredObject* live = LiveObject(core, ctx);
  if (!live) return NotFoundError(*ctx.type, ctx.info.name);
  auto options = ParseDeleteOptions(ctx);
  if (!options.ok()) return options.status();
  ObjectKey key = KeyFor(ctx.type_id, ctx.type->namespaced ? ctx.info.ns : "", ctx.info.name);
  auto outcome = DeleteObject(core, key, *options);
  if (!outcome.ok()) return outcome.status();
  Settle(core);
  HandleResult r;
  // Deleted at once: a Status (or the object, for the types that return
  // it). Still terminating: the object with its deletionTimestamp.
  const bool immediate = outcome->removed && MetaString(outcome->object.view(), "deletionTimestamp").empty();
  if (immediate && !ctx.type->return_deleted_object) {
    Json details = StatusDetails(ctx.info.name, ctx.type->group, ctx.type->resource,
                                 MetaString(outcome->object.view(), "uid"));
    r.response = JsonResponse(200, WireDump(SuccessStatus(details)));
  } else {
    r.response = JsonResponse(200, outcome->object.Serialize(ResponseVersion(ctx)));
  }
  return r;
}

absl::StatusOr<HandleResult> HandleDeleteCollection(ClusterCore& core, const RequestContext& ctx) {
  if (!ctx.type->deletecollection) return MethodNotAllowedError();
  auto labels = LabelSelector::Parse(ctx.info.Query("labelSelector"));
  if (!labels.ok()) return labels.status();
  auto fields = FieldSelector::Parse(ctx.info.Query("fieldSelector"), ctx.type->unstructured);
  if (!fields.ok()) return fields.status();
  auto options = ParseDeleteOptions(ctx);
  if (!options.ok()) return options.status();
  const std::string ns = ctx.type->namespaced ? ctx.info.ns : "";
  std::vector<ObjectKey> keys;
  core.store.Scan(ctx.type_id, ns, "", [&](const ObjectKey& k, const StoredObject& o) {
    if (labels->Matches(o.view()) && fields->Matches(o.view())) keys.push_back(k);
    return true;
  });
  std::vector<std::string> items;
  for (const auto& k : keys) {
    if (!core.store.Get(k)) continue;
    auto outcome = DeleteObject(core, k, *options);
    if (!outcome.ok()) continue;
    items.push_back(ctx.type->unstructured ? outcome->object.Serialize(ResponseVersion(ctx))
                                           : outcome->object.Serialize("", true));
  }
  Settle(core);
  Json meta = Json{{"resourceVersion", std::to_string(core.resource_version)}};
  HandleResult r;
  r.response = JsonResponse(200, absl::StrCat("{\"kind\":", WireDump(Json(ctx.type->list_kind)), ",\"apiVersion\":",
                                              WireDump(Json(ctx.api_version)), ",\"metadata\":", WireDump(meta),
                                              ",\"items\":[", absl::StrJoin(items, ","), "]}"));
  return r;
}

}  // namespace srfleet::kubesim
