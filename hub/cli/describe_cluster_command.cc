#include <algorithm>
#include <ostream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/cluster_format.h"
#include "hub/cli/describe_command.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/router_status.h"
#include "hub/cli/table.h"

namespace srfleet::cli {
namespace {

std::string RevisionOrNone(int64_t revision) { return revision > 0 ? absl::StrCat(revision) : "<none>"; }

}  // namespace

int RunDescribeCluster(const DescribeClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.name.empty()) {
    err << "error: describe cluster needs a NAME\n";
    return kUsage;
  }
  v1::GetClusterRequest request;
  request.set_name(args.name);
  absl::StatusOr<v1::ClusterView> got = hub.GetCluster(request);
  if (!got.ok()) return ReportHubError(got.status(), hub.endpoint(), absl::StrCat("cluster/", args.name), err);
  const v1::ClusterView& c = *got;

  FieldList fields;
  fields.Add("Name", c.name());
  std::string state = c.state().empty() ? "<unknown>" : c.state();
  if (c.state_since_unix_ms() > 0)
    absl::StrAppend(&state, " since ", TimestampWithAge(args.now, c.state_since_unix_ms()));
  fields.Add("State", state);
  fields.Add("Labels", JoinLabels(c.labels(), "\n"));
  fields.Add("Claims", JoinLabels(c.claims(), "\n"));
  fields.Add("Agent", c.agent_version().empty() ? "<unknown>" : c.agent_version());
  fields.Add("Peer", c.peer().empty() ? "<none>" : c.peer());
  fields.Add("Registered", TimestampWithAge(args.now, c.registered_unix_ms()));
  fields.Add("Last Seen", TimestampWithAge(args.now, c.last_seen_unix_ms()));
  fields.Add("Routers", absl::StrCat(c.routers(), " reported, ", c.routers_ready(), " running"));
  fields.Add("Intents", absl::StrCat(c.intents_assigned(), " assigned, ", c.intents_acked(), " acked, ",
                                     c.intents_nacked(), " nacked"));
  fields.Print(out);

  // The routers placed here: one extra call; the cluster itself was found,
  // so a failure here is reported but does not fail the command.
  absl::StatusOr<v1::ListIntentsResponse> list = hub.ListIntents(v1::ListIntentsRequest());
  if (!list.ok()) {
    out << "Placed Routers:  <unavailable: " << list.status().message() << ">\n";
    return kOk;
  }
  struct Row {
    const v1::IntentView* view;
    const v1::Delivery* delivery;
  };
  std::vector<Row> rows;
  for (const auto& view : list->intents()) {
    const v1::Delivery* d = FindDelivery(view, c.name());
    bool target = std::find(view.target_clusters().begin(), view.target_clusters().end(), c.name()) !=
                  view.target_clusters().end();
    if (target || d != nullptr) rows.push_back({&view, d});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.view->namespace_(), a.view->name()) < std::tie(b.view->namespace_(), b.view->name());
  });
  if (rows.empty()) {
    out << "Placed Routers:  <none>\n";
    return kOk;
  }
  out << "Placed Routers:\n";
  Table table({"ROUTER", "REVISION", "PUSHED", "ACKED", "PHASE", "READY"});
  std::vector<std::string> nacks;
  for (const auto& [view, d] : rows) {
    std::string id = absl::StrCat(view->namespace_(), "/", view->name());
    std::string ready = "<none>";
    if (d != nullptr && d->has_status()) {
      ready = absl::StrCat(d->status().ready_replicas(), "/", d->status().replicas());
    }
    table.AddRow({id, view->hub_managed() ? RevisionOrNone(view->revision()) : "<none>",
                  d == nullptr ? "<none>" : RevisionOrNone(d->pushed_revision()),
                  d == nullptr ? "<none>" : RevisionOrNone(d->acked_revision()), ClusterPhase(*view, d), ready});
    if (d != nullptr && !d->nack_error().empty()) {
      nacks.push_back(absl::StrCat(id, " revision ", d->nack_revision(), ": ", d->nack_error()));
    }
  }
  table.Print(out, "  ");
  if (!nacks.empty()) {
    FieldList nacked;
    nacked.Add("Nacked", absl::StrJoin(nacks, "\n"));
    nacked.Print(out);
  }
  return kOk;
}

}  // namespace srfleet::cli
