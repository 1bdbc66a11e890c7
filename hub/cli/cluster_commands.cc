#include "hub/cli/cluster_commands.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "hub/cli/cluster_format.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/hub_errors.h"
#include "hub/placement/label_syntax.h"

namespace srfleet::cli {

int RunRegisterCluster(const RegisterClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.name.empty()) {
    err << "error: clusters register needs a NAME\n";
    return kUsage;
  }
  v1::RegisterClusterRequest request;
  request.set_name(args.name);
  request.set_replace_labels(args.replace_labels);
  bool invalid = false;
  for (const auto& label : args.labels) {
    size_t eq = label.find('=');
    if (eq == std::string::npos) {
      err << "error: --label " << label << ": must be KEY=VALUE\n";
      invalid = true;
      continue;
    }
    std::string key = label.substr(0, eq), value = label.substr(eq + 1);
    if (std::string p = hub::LabelKeyProblem(key); !p.empty()) {
      err << "error: --label " << label << ": invalid key \"" << key << "\": " << p << "\n";
      invalid = true;
    } else if (std::string p = hub::LabelValueProblem(value); !p.empty()) {
      err << "error: --label " << label << ": invalid value \"" << value << "\": " << p << "\n";
      invalid = true;
    } else {
      (*request.mutable_labels())[key] = value;
    }
  }
  if (invalid) return kInvalidInput;
  absl::StatusOr<v1::ClusterView> view = hub.RegisterCluster(request);
  if (!view.ok()) return ReportHubError(view.status(), hub.endpoint(), absl::StrCat("cluster/", args.name), err);
  out << "cluster/" << view->name() << " registered (labels: " << JoinLabels(view->labels()) << ")\n";
  return kOk;
}

int RunDeregisterCluster(const DeregisterClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.name.empty()) {
    err << "error: clusters deregister needs a NAME\n";
    return kUsage;
  }
  v1::DeregisterClusterRequest request;
  request.set_name(args.name);
  absl::StatusOr<v1::DeregisterClusterResponse> response = hub.DeregisterCluster(request);
  if (!response.ok()) {
    return ReportHubError(response.status(), hub.endpoint(), absl::StrCat("cluster/", args.name), err);
  }
  out << "cluster/" << args.name << " deregistered\n";
  return kOk;
}

}  // namespace srfleet::cli
