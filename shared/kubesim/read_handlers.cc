// GET and LIST.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/list_query.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {

absl::StatusOr<HandleResult> HandleGet(ClusterCore& core, const RequestContext& ctx) {
  const StoredObject* obj = core.Find(ctx.type_id, ctx.type->namespaced ? ctx.info.ns : "", ctx.info.name);
  if (!obj) return NotFoundError(*ctx.type, ctx.info.name);
  HandleResult r;
  r.response = JsonResponse(200, obj->Serialize(ResponseVersion(ctx)));
  return r;
}

absl::StatusOr<HandleResult> HandleList(ClusterCore& core, const RequestContext& ctx) {
  const ResourceType& t = *ctx.type;
  auto selectors = ParseSelectors(ctx);
  if (!selectors.ok()) return selectors.status();
  const bool filtered = !selectors->labels.empty() || !selectors->fields.empty();
  const std::string ns = t.namespaced ? ctx.info.ns : "";

  int64_t limit = 0;
  if (std::string l = ctx.info.Query("limit"); !l.empty() && (!absl::SimpleAtoi(l, &limit) || limit < 0)) limit = 0;
  const std::string rv_param = ctx.info.Query("resourceVersion");
  const std::string match = ctx.info.Query("resourceVersionMatch");
  const std::string cont = ctx.info.Query("continue");

  int64_t read_rv = core.resource_version;
  std::string after;  // full store path to start after
  if (!cont.empty()) {
    if (!rv_param.empty() && rv_param != "0") {
      return BadRequestError("specifying resource version is not allowed when using continue");
    }
    auto token = DecodeContinue(cont);
    if (!token.ok()) return token.status();
    if (token->resource_version > 0 && !core.cache.CanServeFrom(token->resource_version)) {
      return ExpiredError(
          "The provided continue parameter is too old to display a consistent list result. You can start a new "
          "list without the continue parameter, or use the continue token in this response to retrieve the "
          "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
          "that were created, modified, or deleted between the time the first chunk was returned and now may show "
          "up in the list.",
          EncodeContinue(-1, token->last_key));
    }
    // rv -1: the client chose an inconsistent continuation; serve current.
    if (token->resource_version > 0) read_rv = token->resource_version;
    after = ns.empty() ? token->last_key : ns + "/" + token->last_key;
  } else if (!rv_param.empty()) {
    int64_t rv = 0;
    if (!ParseRv(rv_param, &rv)) return InvalidRv(rv_param);
    if (rv > core.resource_version) return TooLargeResourceVersionError(rv, core.resource_version);
    if (rv == 0) {
      limit = 0;  // served from the watch cache, which ignores limit
    } else if (match == "Exact" || (match.empty() && limit > 0)) {
      if (!core.cache.CanServeFrom(rv)) return ExpiredError("The resourceVersion for the provided list is too old.");
      read_rv = rv;
    }
  }

  // The objects as of read_rv, in key order.
  std::vector<std::pair<std::string, StoredObject>> candidates;
  if (read_rv == core.resource_version) {
    core.store.Scan(ctx.type_id, ns, after, [&](const ObjectKey& k, const StoredObject& o) {
      candidates.emplace_back(k.path, o);
      return true;
    });
  } else {
    auto snapshot = core.cache.SnapshotAt(core.store, ctx.type_id, ns, read_rv);
    for (auto& [path, obj] : snapshot) {
      if (!after.empty() && path <= after) continue;
      candidates.emplace_back(path, std::move(obj));
    }
  }

  std::vector<std::string> items;
  size_t i = 0;
  std::string last_path;
  for (; i < candidates.size(); ++i) {
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) break;
    const StoredObject& obj = candidates[i].second;
    if (!selectors->labels.Matches(obj.view()) || !selectors->fields.Matches(obj.view())) continue;
    items.push_back(t.unstructured ? obj.Serialize(ResponseVersion(ctx)) : obj.Serialize("", true));
    last_path = candidates[i].first;
  }
  Json meta = Json::object();
  meta["resourceVersion"] = std::to_string(read_rv);
  if (limit > 0 && i < candidates.size()) {
    std::string relative = ns.empty() ? last_path : last_path.substr(ns.size() + 1);
    meta["continue"] = EncodeContinue(read_rv, relative);
    // etcd counts what is left; with selectors the count is unknown.
    if (!filtered) meta["remainingItemCount"] = static_cast<int64_t>(candidates.size() - i);
  }
  std::string body = absl::StrCat("{\"kind\":", WireDump(Json(t.list_kind)), ",\"apiVersion\":",
                                  WireDump(Json(ctx.api_version)), ",\"metadata\":", WireDump(meta), ",\"items\":[",
                                  absl::StrJoin(items, ","), "]}");
  HandleResult r;
  r.response = JsonResponse(200, body);
  return r;
}

}  // namespace srfleet::kubesim
