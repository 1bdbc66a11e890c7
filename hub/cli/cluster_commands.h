// `srfleet clusters register|deregister`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct RegisterClusterArgs {
  std::string name;
  std::vector<std::string> labels;  // "k=v" (hub-side labels; they override the agent's)
  bool replace_labels = false;      // replace the hub-side labels instead of merging
};

// "cluster/a registered (labels: env=prod,region=eu)". An invalid --label is
// invalid input (kInvalidInput), checked before anything is sent.
int RunRegisterCluster(const RegisterClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

struct DeregisterClusterArgs {
  std::string name;
};

int RunDeregisterCluster(const DeregisterClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
