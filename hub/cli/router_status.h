// How a router (one intent) is doing across its clusters: the READY and
// PHASE columns of `get routers` and the per-cluster rows of `describe`.
#pragma once

#include <string>

#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

// The resource name users see: semanticrouter.vllm.ai/<ns>/<name>.
inline constexpr char kRouterResource[] = "semanticrouter.vllm.ai";
std::string RouterRef(const std::string& ns, const std::string& name);

// "ns/name" from a NAME argument: "name" (in `ns`, "default" if empty),
// "ns/name", or semanticrouter.vllm.ai/ns/name as printed by -o name.
std::string IntentIdFor(const std::string& name_arg, const std::string& ns);

// The delivery of `view` to `cluster`, or nullptr.
const v1::Delivery* FindDelivery(const v1::IntentView& view, const std::string& cluster);

// One cluster's phase for `view`: NACKed when its last push was refused;
// the phase the agent reports once it runs the intent's revision; otherwise
// Progressing (not delivered, not acked, or still reporting an older
// revision). For routers the hub does not manage: the reported phase.
std::string ClusterPhase(const v1::IntentView& view, const v1::Delivery* delivery);

struct RouterSummary {
  int clusters = 0;  // target clusters (for unmanaged routers: clusters reporting it)
  int ready = 0;     // of which Running at the intent's revision
  std::string phase;
};

// PHASE: Running when every target cluster is; otherwise the worst of
// Failed > NACKed (any delivery with a NACK) > Degraded > Pending >
// Progressing; Unscheduled when no cluster is targeted.
RouterSummary Summarize(const v1::IntentView& view);

}  // namespace srfleet::cli
