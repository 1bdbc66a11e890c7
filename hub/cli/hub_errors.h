// Turning a failed Fleet call into a message that says what to do next, and
// the exit code scripts rely on (see exit_codes.h).
#pragma once

#include <iosfwd>
#include <string>

#include "absl/status/status.h"
#include "hub/cli/fleet_api.h"

namespace srfleet::cli {

// The exit code for a gRPC status code (the hub's answer, or the transport's).
int ExitCodeForStatus(absl::StatusCode code);

// Writes "error: ..." (with a hint for unreachable hubs, timeouts and
// credential problems) to `err` and returns ExitCodeForStatus. `subject`
// names what the call was about (e.g. semanticrouter.vllm.ai/llm/foo), or "".
int ReportHubError(const absl::Status& status, const HubEndpoint& hub, const std::string& subject, std::ostream& err);

}  // namespace srfleet::cli
