// `srfleet get routers` and `srfleet get clusters`: kubectl-style tables
// (or -o wide|json|yaml|name).
#pragma once

#include <iosfwd>
#include <string>

#include "absl/time/time.h"
#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct GetRoutersArgs {
  std::string name;             // "" lists
  std::string ns;               // -n ("" = default)
  bool all_namespaces = false;  // -A
  std::string output;           // "" | wide | json | yaml | name
  absl::Time now = absl::Now();
};

// NAMESPACE NAME REVISION CLUSTERS READY PHASE AGE (wide: + PLACEMENT CHECKSUM).
int RunGetRouters(const GetRoutersArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

struct GetClustersArgs {
  std::string name;    // "" lists
  std::string output;  // "" | wide | json | yaml | name
  absl::Time now = absl::Now();
};

// NAME STATE PLATFORM VERSION ROUTERS READY LAST-SEEN AGE (wide: + LABELS AGENT).
int RunGetClusters(const GetClustersArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
