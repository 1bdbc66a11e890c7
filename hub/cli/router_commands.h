// `srfleet delete router` and `srfleet history router`.
#pragma once

#include <iosfwd>
#include <string>

#include "absl/time/time.h"
#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct DeleteRouterArgs {
  std::string name;  // name, ns/name or semanticrouter.vllm.ai/ns/name
  std::string ns;    // -n ("" = default)
};

// "semanticrouter.vllm.ai/llm/foo deleted (revision 13)"; the agents remove
// it from their clusters.
int RunDeleteRouter(const DeleteRouterArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

struct HistoryArgs {
  std::string name;
  std::string ns;
  std::string output;  // "" | json | yaml
  absl::Time now = absl::Now();
};

// REVISION AGE CHECKSUM PLACEMENT CHANGE, oldest first; CHANGE says what the
// revision changed (created, manifest, placement, deleted, re-created).
int RunHistory(const HistoryArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
