#include "agent/hublink/fleet_metadata.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent::hublink {

std::string HubManagedSelector() { return absl::StrCat(kManagedByLabel, "=", kManagedByValue); }

bool IsHubManaged(const Json& router) {
  const Json* labels = FindField(router, {"metadata", "labels"});
  return labels != nullptr && StringField(*labels, {kManagedByLabel}) == kManagedByValue;
}

std::optional<IntentMarks> IntentMarksOf(const Json& router) {
  if (!IsHubManaged(router)) return std::nullopt;
  const Json* annotations = FindField(router, {"metadata", "annotations"});
  if (annotations == nullptr) return std::nullopt;
  IntentMarks marks;
  marks.intent_id = StringField(*annotations, {kIntentIdAnnotation});
  if (marks.intent_id.empty()) return std::nullopt;
  // A hand-edited, non-numeric revision reads as 0: the hub then sees a
  // revision it never issued and re-pushes, which repairs the annotation.
  if (!absl::SimpleAtoi(StringField(*annotations, {kRevisionAnnotation}), &marks.revision)) marks.revision = 0;
  marks.checksum = StringField(*annotations, {kChecksumAnnotation});
  return marks;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitIntentId(const std::string& intent_id) {
  const size_t slash = intent_id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == intent_id.size() ||
      intent_id.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("intent id \"", intent_id, "\" is not <namespace>/<name>"));
  }
  return std::make_pair(intent_id.substr(0, slash), intent_id.substr(slash + 1));
}

}  // namespace srfleet::agent::hublink
