#include "hub/cli/router_commands.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/proto_output.h"
#include "hub/cli/router_status.h"
#include "hub/cli/table.h"
#include "hub/placement/label_selector.h"

namespace srfleet::cli {
namespace {

std::string Change(const v1::IntentRevision* previous, const v1::IntentRevision& r) {
  if (r.deleted()) return "deleted";
  if (previous == nullptr) return "created";
  if (previous->deleted()) return "re-created";
  bool manifest = previous->checksum() != r.checksum();
  bool placement = hub::FormatSelector(previous->placement()) != hub::FormatSelector(r.placement());
  if (manifest && placement) return "manifest, placement";
  if (manifest) return "manifest";
  if (placement) return "placement";
  return "no change";
}

}  // namespace

int RunDeleteRouter(const DeleteRouterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.name.empty()) {
    err << "error: delete router needs a NAME\n";
    return kUsage;
  }
  v1::DeleteIntentRequest request;
  request.set_intent_id(IntentIdFor(args.name, args.ns));
  const std::string ref = absl::StrCat(kRouterResource, "/", request.intent_id());
  absl::StatusOr<v1::DeleteIntentResponse> response = hub.DeleteIntent(request);
  if (!response.ok()) return ReportHubError(response.status(), hub.endpoint(), ref, err);
  out << ref << " deleted (revision " << response->revision() << ")\n";
  return kOk;
}

int RunHistory(const HistoryArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (!CheckOutputFormat(args.output, {"", "json", "yaml"}, err)) return kUsage;
  if (args.name.empty()) {
    err << "error: history router needs a NAME\n";
    return kUsage;
  }
  v1::IntentHistoryRequest request;
  request.set_intent_id(IntentIdFor(args.name, args.ns));
  absl::StatusOr<v1::IntentHistoryResponse> history = hub.IntentHistory(request);
  if (!history.ok()) {
    return ReportHubError(history.status(), hub.endpoint(), absl::StrCat(kRouterResource, "/", request.intent_id()),
                          err);
  }
  if (!args.output.empty()) return PrintProto(*history, args.output, out, err);
  Table table({"REVISION", "AGE", "CHECKSUM", "PLACEMENT", "CHANGE"});
  const v1::IntentRevision* previous = nullptr;
  for (const auto& r : history->revisions()) {
    std::string placement = hub::FormatSelector(r.placement());
    table.AddRow({absl::StrCat(r.revision()), Age(args.now, r.created_unix_ms()),
                  r.checksum().empty() ? "<none>" : r.checksum().substr(0, 12),
                  r.deleted() ? "<none>" : placement.empty() ? "<all>" : placement, Change(previous, r)});
    previous = &r;
  }
  table.Print(out);
  return kOk;
}

}  // namespace srfleet::cli
