// How a SemanticRouter materialised from a hub intent is marked in the
// cluster, and the readers over those marks. The marks are the agent's only
// memory of what the hub gave it: a restarted agent rebuilds Hello.known from
// them, and a router without them is local and never touched by the hub.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::agent::hublink {

inline constexpr char kManagedByLabel[] = "fleet.vllm.ai/managed-by";
inline constexpr char kManagedByValue[] = "srfleet-hub";
inline constexpr char kIntentIdAnnotation[] = "fleet.vllm.ai/intent-id";
inline constexpr char kRevisionAnnotation[] = "fleet.vllm.ai/revision";
inline constexpr char kChecksumAnnotation[] = "fleet.vllm.ai/checksum";
// Server-side apply field manager of materialised intents: distinct from the
// reconciler's "srfleet-agent", so the two never fight over fields.
inline constexpr char kHubFieldManager[] = "srfleet-hub-link";
// "fleet.vllm.ai/managed-by=srfleet-hub", for list label selectors.
std::string HubManagedSelector();

// What the CR says about the intent it came from.
struct IntentMarks {
  std::string intent_id;
  int64_t revision = 0;  // 0 when the annotation is missing or not a number
  std::string checksum;
};

// Whether the CR carries the managed-by label with the hub's value.
bool IsHubManaged(const Json& router);
// The annotations of a hub-managed CR; nullopt for a local one (no label or
// no intent id).
std::optional<IntentMarks> IntentMarksOf(const Json& router);

// "<namespace>/<name>" -> {namespace, name}; InvalidArgument otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitIntentId(const std::string& intent_id);

}  // namespace srfleet::agent::hublink
