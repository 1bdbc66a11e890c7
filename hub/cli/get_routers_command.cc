#include <algorithm>
#include <ostream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/get_command.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/proto_output.h"
#include "hub/cli/router_status.h"
#include "hub/cli/table.h"
#include "hub/placement/label_selector.h"

namespace srfleet::cli {
namespace {

std::string PlacementText(const v1::IntentView& view) {
  std::string text = hub::FormatSelector(view.placement());
  return text.empty() ? "<all>" : text;
}

void PrintTable(const std::vector<v1::IntentView>& views, const GetRoutersArgs& args, std::ostream& out) {
  const bool wide = args.output == "wide";
  std::vector<std::string> header = {"NAMESPACE", "NAME", "REVISION", "CLUSTERS", "READY", "PHASE", "AGE"};
  if (wide) header.insert(header.end(), {"PLACEMENT", "CHECKSUM"});
  Table table(std::move(header));
  for (const auto& view : views) {
    RouterSummary summary = Summarize(view);
    std::vector<std::string> row = {view.namespace_(),
                                    view.name(),
                                    view.hub_managed() ? absl::StrCat(view.revision()) : "<none>",
                                    absl::StrCat(summary.clusters),
                                    absl::StrCat(summary.ready, "/", summary.clusters),
                                    summary.phase,
                                    Age(args.now, view.created_unix_ms())};
    if (wide) {
      row.push_back(view.hub_managed() ? PlacementText(view) : "<none>");
      row.push_back(view.checksum().empty() ? "<none>" : view.checksum().substr(0, 12));
    }
    table.AddRow(std::move(row));
  }
  table.Print(out);
}

}  // namespace

int RunGetRouters(const GetRoutersArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (!CheckOutputFormat(args.output, {"", "wide", "json", "yaml", "name"}, err)) return kUsage;
  if (args.all_namespaces && !args.ns.empty()) {
    err << "error: -n and -A cannot be combined\n";
    return kUsage;
  }
  std::vector<v1::IntentView> views;
  if (!args.name.empty()) {
    if (args.all_namespaces) {
      err << "error: a router cannot be retrieved by name across all namespaces; use -n NAMESPACE\n";
      return kUsage;
    }
    v1::GetIntentRequest request;
    request.set_intent_id(IntentIdFor(args.name, args.ns));
    absl::StatusOr<v1::IntentView> view = hub.GetIntent(request);
    if (!view.ok()) {
      return ReportHubError(view.status(), hub.endpoint(), absl::StrCat(kRouterResource, "/", request.intent_id()),
                            err);
    }
    if (args.output == "json" || args.output == "yaml") return PrintProto(*view, args.output, out, err);
    views.push_back(*view);
  } else {
    v1::ListIntentsRequest request;
    if (!args.all_namespaces) request.set_namespace_(args.ns.empty() ? "default" : args.ns);
    absl::StatusOr<v1::ListIntentsResponse> list = hub.ListIntents(request);
    if (!list.ok()) return ReportHubError(list.status(), hub.endpoint(), "", err);
    std::sort(list->mutable_intents()->begin(), list->mutable_intents()->end(), [](const auto& a, const auto& b) {
      return std::tie(a.namespace_(), a.name()) < std::tie(b.namespace_(), b.name());
    });
    if (args.output == "json" || args.output == "yaml") return PrintProto(*list, args.output, out, err);
    views.assign(list->intents().begin(), list->intents().end());
    if (views.empty()) {
      err << (args.all_namespaces ? std::string("No routers found.")
                                  : absl::StrCat("No routers found in ", request.namespace_(), " namespace."))
          << "\n";
      return kOk;
    }
  }
  if (args.output == "name") {
    for (const auto& view : views) out << RouterRef(view.namespace_(), view.name()) << "\n";
    return kOk;
  }
  PrintTable(views, args, out);
  return kOk;
}

}  // namespace srfleet::cli
