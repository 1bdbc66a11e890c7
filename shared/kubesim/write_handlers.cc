// POST, PUT and PATCH (merge, JSON patch, strategic merge).
#include <string>

#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/patch.h"
#include "shared/kubesim/reconciler.h"
#include "shared/kubesim/status_errors.h"
#include "shared/kubesim/write_pipeline.h"

namespace srfleet::kubesim {
namespace {

// POST and PUT decode the body first, and the real handler wraps a strict
// decoding failure (fieldValidation=Strict) in transformDecodeError's words:
// `SemanticRouter in version "v1alpha1" cannot be handled as a
// SemanticRouter: strict decoding error: unknown field "spec.x"`. PATCH
// reports the bare strict error, so the pipeline produces that one.
absl::Status WithDecodeContext(const absl::Status& status, const RequestContext& ctx, const Json& body) {
  WireError e = ToWireError(status);
  const std::string message = ChildString(e.body, "message");
  if (e.code != 400 || message.rfind("strict decoding error:", 0) != 0) return status;
  std::string kind = ChildString(body, "kind");
  std::string api_version = ChildString(body, "apiVersion");
  // A body without type meta is decoded as the endpoint's kind and version.
  std::string version = api_version.empty() ? ctx.version : api_version.substr(api_version.find('/') + 1);
  if (kind.empty()) kind = ctx.type->kind;
  return BadRequestError(kind + " in version " + GoQuote(version) + " cannot be handled as a " + ctx.type->kind +
                         ": " + message);
}

}  // namespace

absl::StatusOr<HandleResult> HandleCreate(ClusterCore& core, const RequestContext& ctx) {
  if (!ctx.info.name.empty() || !ctx.info.subresource.empty()) return MethodNotAllowedError();
  if (ctx.type->namespaced && ctx.info.ns.empty()) return MethodNotAllowedError();
  auto body = ParseObjectBody(*ctx.request);
  if (!body.ok()) return body.status();
  if (auto st = CheckTypeMeta(ctx, *body); !st.ok()) return st;
  Json type_meta{{"apiVersion", ChildString(*body, "apiVersion")}, {"kind", ChildString(*body, "kind")}};
  auto w = CreateObject(core, SpecFor(ctx), std::move(*body));
  if (!w.ok()) return WithDecodeContext(w.status(), ctx, type_meta);
  Settle(core);
  return Respond(201, ctx, *w);
}

absl::StatusOr<HandleResult> HandleUpdate(ClusterCore& core, const RequestContext& ctx) {
  auto body = ParseObjectBody(*ctx.request);
  if (!body.ok()) return body.status();
  if (auto st = CheckTypeMeta(ctx, *body); !st.ok()) return st;
  const StoredObject* live = LiveObject(core, ctx);
  if (!live) return NotFoundError(*ctx.type, ctx.info.name);
  if (ctx.type->unstructured && MetaString(*body, "resourceVersion").empty()) {
    // Custom resources do not allow unconditional updates; the registry
    // reports it against the resource, not the kind.
    return InvalidError(ctx.type->resource, ctx.type->group, ctx.info.name,
                        {{FieldProblem::Type::kInvalid, "metadata.resourceVersion", "0x0",
                          "must be specified for an update"}});
  }
  Json type_meta{{"apiVersion", ChildString(*body, "apiVersion")}, {"kind", ChildString(*body, "kind")}};
  auto w = UpdateObject(core, SpecFor(ctx), *live, std::move(*body));
  if (!w.ok()) return WithDecodeContext(w.status(), ctx, type_meta);
  Settle(core);
  return Respond(200, ctx, *w);
}

absl::StatusOr<HandleResult> HandlePatch(ClusterCore& core, const RequestContext& ctx) {
  const std::string media = MediaType(*ctx.request);
  const StoredObject* live = LiveObject(core, ctx);
  if (!live) return NotFoundError(*ctx.type, ctx.info.name);
  auto patch = ParseJsonBody(ctx.request->body);
  if (!patch.ok()) return patch.status();
  Json live_full = live->Materialize();
  if (!ResponseVersion(ctx).empty()) live_full["apiVersion"] = ctx.api_version;
  Json patched;
  if (media == "application/json-patch+json") {
    auto result = JsonPatch(live_full, *patch);
    if (!result.ok()) return result.status();
    patched = std::move(*result);
  } else if (media == "application/merge-patch+json" || media == "application/strategic-merge-patch+json") {
    if (!patch->is_object()) return BadRequestError("the patch must be a JSON object");
    patched = MergePatch(live_full, *patch);
  } else {
    return UnsupportedMediaTypeError(media);
  }
  auto w = UpdateObject(core, SpecFor(ctx), *live, std::move(patched));
  if (!w.ok()) return w.status();
  Settle(core);
  return Respond(200, ctx, *w);
}

}  // namespace srfleet::kubesim
