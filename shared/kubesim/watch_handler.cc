// WATCH: initial state or replay from the watch cache, then live events
// through the client's sink.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

WatchFilter MakeFilter(const RequestContext& ctx, Selectors selectors, bool bookmarks) {
  WatchFilter f;
  f.type = ctx.type_id;
  f.kind = ctx.type->kind;
  f.api_version = ctx.api_version;
  f.storage_api_version = ctx.type->StorageApiVersion();
  f.unstructured = ctx.type->unstructured;
  f.ns = ctx.type->namespaced ? ctx.info.ns : "";
  f.labels = std::move(selectors.labels);
  f.fields = std::move(selectors.fields);
  f.bookmarks = bookmarks;
  return f;
}

}  // namespace

absl::StatusOr<HandleResult> HandleWatch(ClusterCore& core, const std::shared_ptr<ClusterCore>& self,
                                         const RequestContext& ctx) {
  auto selectors = ParseSelectors(ctx);
  if (!selectors.ok()) return selectors.status();
  const bool bookmarks = ctx.info.QueryBool("allowWatchBookmarks");
  const std::string rv_param = ctx.info.Query("resourceVersion");
  const std::string send_initial = ctx.info.Query("sendInitialEvents");
  WatchFilter filter = MakeFilter(ctx, std::move(*selectors), bookmarks);

  HandleResult result;
  result.is_watch = true;
  result.response.status = 200;
  result.response.headers = {{"Cache-Control", "no-cache, private"}, {"Content-Type", "application/json"}};

  std::vector<std::string> lines;
  bool close_now = false;
  int64_t from = -1;  // replay events after this version; -1: initial state instead
  if (!rv_param.empty() && rv_param != "0") {
    int64_t rv = 0;
    if (!ParseRv(rv_param, &rv)) return InvalidRv(rv_param);
    if (rv > core.resource_version) return TooLargeResourceVersionError(rv, core.resource_version);
    if (!core.cache.CanServeFrom(rv)) {
      // HTTP 200, then one ERROR event and the end of the stream.
      Json status = FailureStatus(absl::StrCat("too old resource version: ", rv, " (", core.cache.OldestResumable(),
                                               ")"),
                                  "Expired", Json(), 410);
      lines.push_back(ErrorLine(WireDump(status)));
      close_now = true;
    } else {
      from = rv;
    }
  }
  bool initial = from < 0 && !close_now && send_initial != "false";
  if (send_initial == "true" && !close_now) initial = true;
  if (initial) {
    core.store.Scan(ctx.type_id, filter.ns, "", [&](const ObjectKey&, const StoredObject& obj) {
      if (filter.Matches(obj)) lines.push_back(AddedLine(filter, obj));
      return true;
    });
    if (send_initial == "true" && bookmarks) lines.push_back(BookmarkLine(filter, core.resource_version, true));
  } else if (from >= 0) {
    core.cache.ForEachAfter(from, [&](const ChangeEvent& e) {
      if (auto line = EventLineFor(filter, e)) lines.push_back(std::move(*line));
    });
  }

  if (!ctx.sink) {
    // No stream to feed: hand back what a client would have received so far.
    result.is_watch = false;
    result.response.body = absl::StrJoin(lines, "");
    return result;
  }
  for (auto& line : lines) ctx.sink->Send(std::move(line));
  if (close_now) {
    ctx.sink->Close();
    result.cancel_watch = [] {};
    return result;
  }
  uint64_t id = core.watches.Add(std::move(filter), ctx.sink);
  std::weak_ptr<ClusterCore> weak = self;
  result.cancel_watch = [weak, id] {
    if (auto core = weak.lock()) {
      absl::MutexLock lock(&core->mu);
      core->watches.Remove(id);
    }
  };
  return result;
}

}  // namespace srfleet::kubesim
