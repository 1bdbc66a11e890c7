// `srfleet describe router|cluster`: everything the hub knows about one
// object, laid out like kubectl describe.
#pragma once

#include <iosfwd>
#include <string>

#include "absl/time/time.h"
#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct DescribeRouterArgs {
  std::string name;  // name, ns/name or semanticrouter.vllm.ai/ns/name
  std::string ns;    // -n ("" = default)
  absl::Time now = absl::Now();
};

// Name, Namespace, Revision, Checksum, Placement, Created, Updated, Phase,
// the Clusters table (CLUSTER STATE PUSHED ACKED PHASE READY), then per
// cluster any NACK, its Conditions and Backends.
int RunDescribeRouter(const DescribeRouterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

struct DescribeClusterArgs {
  std::string name;
  absl::Time now = absl::Now();
};

// Name, State (since), Labels, Claims, Agent, Peer, Registered, Last Seen,
// counters, then the routers placed on it (one ListIntents call) with NACKs.
int RunDescribeCluster(const DescribeClusterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
