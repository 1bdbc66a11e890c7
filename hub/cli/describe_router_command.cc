#include <ostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/describe_command.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/router_status.h"
#include "hub/cli/table.h"
#include "hub/placement/label_selector.h"

namespace srfleet::cli {
namespace {

std::string RevisionOrNone(int64_t revision) { return revision > 0 ? absl::StrCat(revision) : "<none>"; }

// The clusters to show: targets first (in the hub's order), then clusters
// that still hold the router while it is removed from them.
std::vector<std::string> ClustersOf(const v1::IntentView& view) {
  std::vector<std::string> clusters(view.target_clusters().begin(), view.target_clusters().end());
  std::set<std::string> seen(clusters.begin(), clusters.end());
  for (const auto& d : view.deliveries()) {
    if (seen.insert(d.cluster()).second) clusters.push_back(d.cluster());
  }
  return clusters;
}

bool IsTarget(const v1::IntentView& view, const std::string& cluster) {
  for (const auto& t : view.target_clusters()) {
    if (t == cluster) return true;
  }
  return false;
}

std::string ReplicasText(const v1::Delivery* d) {
  if (d == nullptr || !d->has_status()) return "<none>";
  return absl::StrCat(d->status().ready_replicas(), "/", d->status().replicas());
}

void PrintClusterDetails(const v1::IntentView& view, const std::string& cluster, const v1::Delivery* d,
                         std::ostream& out) {
  out << "Cluster " << cluster << ":\n";
  if (d == nullptr) {
    out << "  Not delivered yet.\n";
    return;
  }
  if (!d->nack_error().empty()) {
    out << "  Nacked:  revision " << d->nack_revision() << ": " << d->nack_error() << "\n";
  }
  if (!d->has_status()) {
    out << "  Status:  <none> (the agent has not reported this router)\n";
    return;
  }
  const v1::RouterStatus& s = d->status();
  FieldList fields;
  fields.Add("Phase", s.phase().empty() ? "<unknown>" : s.phase());
  if (view.hub_managed()) {
    fields.Add("Running Revision",
               s.intent_revision() == view.revision() ? absl::StrCat(s.intent_revision())
                                                      : absl::StrCat(RevisionOrNone(s.intent_revision()),
                                                                     " (intent is at ", view.revision(), ")"));
  }
  fields.Add("Replicas", absl::StrCat(s.ready_replicas(), " ready of ", s.replicas()));
  fields.Add("Generation", absl::StrCat(s.observed_generation(), " observed of ", s.generation()));
  fields.Print(out, "  ");
  if (s.conditions().empty()) {
    out << "  Conditions:  <none>\n";
  } else {
    out << "  Conditions:\n";
    Table conditions({"TYPE", "STATUS", "REASON", "MESSAGE"});
    for (const auto& c : s.conditions()) {
      conditions.AddRow({c.type(), c.status(), c.reason().empty() ? "<none>" : c.reason(), c.message()});
    }
    conditions.Print(out, "    ");
  }
  if (s.backends().empty()) {
    out << "  Backends:    <none>\n";
  } else {
    out << "  Backends:\n";
    for (const auto& b : s.backends()) out << "    " << b << "\n";
  }
}

}  // namespace

int RunDescribeRouter(const DescribeRouterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.name.empty()) {
    err << "error: describe router needs a NAME\n";
    return kUsage;
  }
  v1::GetIntentRequest request;
  request.set_intent_id(IntentIdFor(args.name, args.ns));
  absl::StatusOr<v1::IntentView> got = hub.GetIntent(request);
  if (!got.ok()) {
    return ReportHubError(got.status(), hub.endpoint(), absl::StrCat(kRouterResource, "/", request.intent_id()), err);
  }
  const v1::IntentView& view = *got;
  RouterSummary summary = Summarize(view);
  std::string placement = hub::FormatSelector(view.placement());

  FieldList fields;
  fields.Add("Name", view.name());
  fields.Add("Namespace", view.namespace_());
  fields.Add("Managed By", view.hub_managed() ? "hub" : "cluster (applied there directly, not through the hub)");
  fields.Add("Revision", RevisionOrNone(view.revision()));
  fields.Add("Checksum", view.checksum().empty() ? "<none>" : view.checksum());
  fields.Add("Placement", !view.hub_managed() ? "<none>" : placement.empty() ? "<all clusters>" : placement);
  fields.Add("Created", TimestampWithAge(args.now, view.created_unix_ms()));
  fields.Add("Updated", TimestampWithAge(args.now, view.updated_unix_ms()));
  fields.Add("Phase", absl::StrCat(summary.phase, " (", summary.ready, "/", summary.clusters, " clusters ready)"));
  // NACKs near the top and loud: they are why a rollout is stuck.
  std::vector<std::string> nacks;
  for (const auto& d : view.deliveries()) {
    if (!d.nack_error().empty()) {
      nacks.push_back(absl::StrCat("cluster ", d.cluster(), " refused revision ", d.nack_revision(), ": ",
                                   d.nack_error()));
    }
  }
  if (!nacks.empty()) fields.Add("Nacked", absl::StrJoin(nacks, "\n"));
  std::vector<std::string> clusters = ClustersOf(view);
  if (clusters.empty()) fields.Add("Clusters", "<none> (no cluster matches the placement)");
  fields.Print(out);
  if (clusters.empty()) return kOk;

  out << "Clusters:\n";
  Table table({"CLUSTER", "STATE", "PUSHED", "ACKED", "PHASE", "READY"});
  for (const auto& cluster : clusters) {
    const v1::Delivery* d = FindDelivery(view, cluster);
    std::string phase = IsTarget(view, cluster) || !view.hub_managed() ? ClusterPhase(view, d) : "Removing";
    table.AddRow({cluster, d == nullptr || d->cluster_state().empty() ? "<unknown>" : d->cluster_state(),
                  d == nullptr ? "<none>" : RevisionOrNone(d->pushed_revision()),
                  d == nullptr ? "<none>" : RevisionOrNone(d->acked_revision()), phase, ReplicasText(d)});
  }
  table.Print(out, "  ");
  for (const auto& cluster : clusters) PrintClusterDetails(view, cluster, FindDelivery(view, cluster), out);
  return kOk;
}

}  // namespace srfleet::cli
