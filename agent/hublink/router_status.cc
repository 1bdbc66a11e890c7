#include "agent/hublink/router_status.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agent/hublink/fleet_metadata.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent::hublink {

int64_t KubeTimeToUnix(const std::string& time) {
  if (time.empty()) return 0;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, time, &t, &error)) return 0;
  return absl::ToUnixSeconds(t);
}

std::string BackendLine(const Json& backend) {
  const std::string name = StringField(backend, {"name"}, "?");
  if (BoolField(backend, {"resolved"})) {
    const std::string endpoint = StringField(backend, {"endpoint"});
    return endpoint.empty() ? absl::StrCat(name, " (resolved)") : absl::StrCat(name, "=", endpoint, " (resolved)");
  }
  const std::string message = StringField(backend, {"message"});
  return message.empty() ? absl::StrCat(name, " (unresolved)") : absl::StrCat(name, " (unresolved: ", message, ")");
}

fleet::v1::RouterStatus RouterStatusFromObject(const Json& router, int64_t observed_unix_ms) {
  fleet::v1::RouterStatus s;
  s.set_namespace_(NamespaceOf(router));
  s.set_name(NameOf(router));
  if (std::optional<IntentMarks> marks = IntentMarksOf(router)) {
    s.set_intent_id(marks->intent_id);
    s.set_intent_revision(marks->revision);
  }
  s.set_generation(GenerationOf(router));
  s.set_observed_unix_ms(observed_unix_ms);
  const Json* status = FindField(router, {"status"});
  if (status == nullptr || !status->is_object()) return s;
  s.set_phase(StringField(*status, {"phase"}));
  s.set_replicas(static_cast<int32_t>(IntField(*status, {"replicas"})));
  s.set_ready_replicas(static_cast<int32_t>(IntField(*status, {"readyReplicas"})));
  s.set_observed_generation(IntField(*status, {"observedGeneration"}));
  if (const Json* conditions = FindField(*status, {"conditions"}); conditions && conditions->is_array()) {
    for (const Json& c : *conditions) {
      if (!c.is_object()) continue;
      fleet::v1::Condition* out = s.add_conditions();
      out->set_type(StringField(c, {"type"}));
      out->set_status(StringField(c, {"status"}));
      out->set_reason(StringField(c, {"reason"}));
      out->set_message(StringField(c, {"message"}));
      out->set_last_transition_unix(KubeTimeToUnix(StringField(c, {"lastTransitionTime"})));
    }
  }
  if (const Json* backends = FindField(*status, {"backends"}); backends && backends->is_array()) {
    for (const Json& b : *backends) {
      if (b.is_object()) s.add_backends(BackendLine(b));
    }
  }
  return s;
}

bool SameRouterStatus(const fleet::v1::RouterStatus& a, const fleet::v1::RouterStatus& b) {
  fleet::v1::RouterStatus x = a;
  fleet::v1::RouterStatus y = b;
  x.set_observed_unix_ms(0);
  y.set_observed_unix_ms(0);
  return google::protobuf::util::MessageDifferencer::Equals(x, y);
}

}  // namespace srfleet::agent::hublink
