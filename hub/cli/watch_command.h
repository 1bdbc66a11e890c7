// `srfleet watch`: the hub's events as they happen, one line each.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>

#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

struct WatchArgs {
  std::string router;   // --router: name, ns/name ("" = every router)
  std::string ns;       // -n for a bare --router name ("" = default)
  std::string cluster;  // --cluster ("" = every cluster)
  std::string timeout;  // --timeout: stop after this long ("" = until Ctrl-C)
  const std::atomic<bool>* stop = nullptr;  // set on Ctrl-C
};

// TIME TYPE REASON INTENT REVISION CLUSTER MESSAGE, flushed per event.
// Ctrl-C and --timeout end it with kOk; the hub ending the stream is kOk
// with a note; errors as usual (kUnreachable, ...).
int RunWatch(const WatchArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err);

// One event line (exposed for tests).
std::string FormatEventLine(const v1::FleetEvent& event);
std::string EventHeaderLine();

}  // namespace srfleet::cli
