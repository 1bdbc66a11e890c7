// `srfleet apply`: SemanticRouter manifests + a placement in, one intent per
// router stored on the hub. Every input is parsed and validated locally
// first; if anything is invalid nothing is sent.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct ApplyArgs {
  std::vector<std::string> files;  // "-" reads standard input
  std::string placement;           // kubectl selector over cluster labels/claims; "" = every cluster
  std::string ns;                  // -n: for routers that name none ("" = default)
  bool dry_run = false;            // the hub checks and computes targets, stores nothing
};

// Prints one kubectl-style line per router, e.g.
//   semanticrouter.vllm.ai/llm/foo configured (revision 12 → 2 clusters: a, b)
//   semanticrouter.vllm.ai/llm/foo created (dry run → 1 cluster: a)
// Exit codes: kUsage without -f, kIoError for an unreadable file,
// kInvalidInput for an invalid manifest or --placement (nothing sent), else
// the first hub error's code (see hub_errors.h).
int RunApply(const ApplyArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

}  // namespace srfleet::cli
