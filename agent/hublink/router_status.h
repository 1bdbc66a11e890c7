// SemanticRouter CR -> fleet::v1::RouterStatus: what the hub shows for one
// router. Pure and total (a field missing or of the wrong type reads as
// empty/0), since the CR may come from any writer.
#pragma once

#include <cstdint>
#include <string>

#include "fleet/v1/types.pb.h"
#include "shared/json/json.h"

namespace srfleet::agent::hublink {

// `observed_unix_ms`: when the agent saw this state of the CR.
fleet::v1::RouterStatus RouterStatusFromObject(const Json& router, int64_t observed_unix_ms);

// One status.backends[] entry (see agent/backends BackendStatus::ToJson) as a
// short line: "qwen=vllm-qwen.llm.svc.cluster.local:8000 (resolved)",
// "mistral (unresolved: InferenceService llm/mistral not found)".
std::string BackendLine(const Json& backend);

// Kubernetes time ("2024-05-01T10:00:00Z", fractions allowed) -> Unix
// seconds; 0 when empty or unparsable.
int64_t KubeTimeToUnix(const std::string& time);

// Equal apart from observed_unix_ms (which moves on every observation and
// must not make an unchanged router look changed).
bool SameRouterStatus(const fleet::v1::RouterStatus& a, const fleet::v1::RouterStatus& b);

}  // namespace srfleet::agent::hublink
