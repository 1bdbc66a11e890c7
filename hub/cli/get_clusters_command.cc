#include <algorithm>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "hub/cli/cluster_format.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/get_command.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/proto_output.h"
#include "hub/cli/table.h"

namespace srfleet::cli {
namespace {

void PrintTable(const std::vector<v1::ClusterView>& clusters, const GetClustersArgs& args, std::ostream& out) {
  const bool wide = args.output == "wide";
  std::vector<std::string> header = {"NAME", "STATE", "PLATFORM", "VERSION", "ROUTERS", "READY", "LAST-SEEN", "AGE"};
  if (wide) header.insert(header.end(), {"LABELS", "AGENT"});
  Table table(std::move(header));
  for (const auto& c : clusters) {
    std::vector<std::string> row = {c.name(),
                                    c.state().empty() ? "<unknown>" : c.state(),
                                    ValueOrUnknown(c.claims(), kPlatformClaim),
                                    ValueOrUnknown(c.claims(), kKubernetesVersionClaim),
                                    absl::StrCat(c.routers()),
                                    absl::StrCat(c.routers_ready(), "/", c.routers()),
                                    Age(args.now, c.last_seen_unix_ms()),
                                    Age(args.now, c.registered_unix_ms())};
    if (wide) {
      row.push_back(JoinLabels(c.labels()));
      row.push_back(c.agent_version().empty() ? "<unknown>" : c.agent_version());
    }
    table.AddRow(std::move(row));
  }
  table.Print(out);
}

}  // namespace

int RunGetClusters(const GetClustersArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (!CheckOutputFormat(args.output, {"", "wide", "json", "yaml", "name"}, err)) return kUsage;
  std::vector<v1::ClusterView> clusters;
  if (!args.name.empty()) {
    v1::GetClusterRequest request;
    request.set_name(args.name);
    absl::StatusOr<v1::ClusterView> cluster = hub.GetCluster(request);
    if (!cluster.ok())
      return ReportHubError(cluster.status(), hub.endpoint(), absl::StrCat("cluster/", args.name), err);
    if (args.output == "json" || args.output == "yaml") return PrintProto(*cluster, args.output, out, err);
    clusters.push_back(*cluster);
  } else {
    absl::StatusOr<v1::ListClustersResponse> list = hub.ListClusters(v1::ListClustersRequest());
    if (!list.ok()) return ReportHubError(list.status(), hub.endpoint(), "", err);
    std::sort(list->mutable_clusters()->begin(), list->mutable_clusters()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    if (args.output == "json" || args.output == "yaml") return PrintProto(*list, args.output, out, err);
    clusters.assign(list->clusters().begin(), list->clusters().end());
    if (clusters.empty()) {
      err << "No clusters found.\n";
      return kOk;
    }
  }
  if (args.output == "name") {
    for (const auto& c : clusters) out << "cluster/" << c.name() << "\n";
    return kOk;
  }
  PrintTable(clusters, args, out);
  return kOk;
}

}  // namespace srfleet::cli
