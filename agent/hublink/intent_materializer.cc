#include "agent/hublink/intent_materializer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/hublink/fleet_metadata.h"
#include "agent/reconcile/json_fields.h"
#include "shared/text/log_value.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent::hublink {
namespace {

constexpr char kApiVersion[] = "vllm.ai/v1alpha1";
constexpr char kKind[] = "SemanticRouter";

fleet::v1::AgentMessage Ack(const std::string& nonce, const std::string& intent_id, int64_t revision) {
  fleet::v1::AgentMessage m;
  fleet::v1::Ack* ack = m.mutable_ack();
  ack->set_nonce(nonce);
  ack->set_intent_id(intent_id);
  ack->set_revision(revision);
  return m;
}

fleet::v1::AgentMessage Nack(const std::string& nonce, const std::string& intent_id, int64_t revision,
                             const std::string& error) {
  fleet::v1::AgentMessage m;
  fleet::v1::Nack* nack = m.mutable_nack();
  nack->set_nonce(nonce);
  nack->set_intent_id(intent_id);
  nack->set_revision(revision);
  nack->set_error(error);
  return m;
}

// Fields the API server owns: sending them back would make the apply a
// conditional update (resourceVersion) or be refused.
void DropServerFields(Json& object) {
  object.erase("status");
  Json& meta = object["metadata"];
  for (const char* key : {"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) {
    meta.erase(key);
  }
}

}  // namespace

kube::ResourceRef SemanticRoutersRef() { return kube::ResourceRef::Grouped("vllm.ai", "v1alpha1", "semanticrouters"); }

absl::StatusOr<Json> DesiredRouter(const fleet::v1::IntentUpsert& upsert) {
  // No exceptions: a malformed manifest is the hub's problem, reported back.
  Json object = Json::parse(upsert.manifest_json(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return absl::InvalidArgumentError("manifest_json is not valid JSON");
  if (!object.is_object()) return absl::InvalidArgumentError("manifest_json is not a JSON object");
  const std::string api_version = StringField(object, {"apiVersion"});
  const std::string kind = StringField(object, {"kind"});
  if ((!api_version.empty() && api_version != kApiVersion) || (!kind.empty() && kind != kKind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest is ", api_version, " ", kind, ", not ", kApiVersion, " ", kKind));
  }
  object["apiVersion"] = kApiVersion;
  object["kind"] = kKind;
  if (!object.contains("metadata") || !object["metadata"].is_object()) object["metadata"] = Json::object();
  DropServerFields(object);
  Json& meta = object["metadata"];
  meta["namespace"] = upsert.namespace_();
  meta["name"] = upsert.name();
  if (!meta.contains("labels") || !meta["labels"].is_object()) meta["labels"] = Json::object();
  meta["labels"][kManagedByLabel] = kManagedByValue;
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) meta["annotations"] = Json::object();
  meta["annotations"][kIntentIdAnnotation] = upsert.intent_id();
  meta["annotations"][kRevisionAnnotation] = absl::StrCat(upsert.revision());
  meta["annotations"][kChecksumAnnotation] = upsert.checksum();
  return object;
}

IntentMaterializer::IntentMaterializer(kube::KubeClient& client, MaterializerOptions options)
    : client_(client), options_(std::move(options)) {}

std::string IntentMaterializer::ApiErrorMessage(const absl::Status& status) const {
  std::optional<kube::ApiError> api = kube::GetApiError(status);
  if (api && api->code == 404 && api->details_kind == "namespaces") {
    return absl::StrCat("namespace \"", api->details_name, "\" not found on cluster ", options_.cluster_name);
  }
  if (api && api->code == 404 && api->details_kind.empty() && api->details_name.empty()) {
    // A 404 naming nothing: the resource itself is not served.
    return absl::StrCat("semanticrouters.vllm.ai is not served on cluster ", options_.cluster_name,
                        " (is the SemanticRouter CRD installed?)");
  }
  const std::string message = api && !api->message.empty() ? api->message : std::string(status.message());
  return absl::StrCat(message, " on cluster ", options_.cluster_name);
}

PushOutcome IntentMaterializer::Upsert(const fleet::v1::IntentUpsert& upsert) {
  const std::string& ns = upsert.namespace_();
  const std::string& name = upsert.name();
  auto nack = [&](const std::string& error) {
    spdlog::warn("msg=\"intent refused\" intent={} revision={} error={}", upsert.intent_id(), upsert.revision(),
                 text::LogQuote(error));
    return PushOutcome{Nack(upsert.nonce(), upsert.intent_id(), upsert.revision(), error), false};
  };
  if (ns.empty() || name.empty()) return nack("intent without namespace or name");
  // Delete finds the CR through the id: they must agree or it would orphan.
  if (upsert.intent_id() != absl::StrCat(ns, "/", name)) {
    return nack(absl::StrCat("intent id \"", upsert.intent_id(), "\" does not name ", ns, "/", name));
  }
  if (!options_.watch_namespace.empty() && ns != options_.watch_namespace) {
    return nack(absl::StrCat("the agent on cluster ", options_.cluster_name, " manages only namespace \"",
                             options_.watch_namespace, "\", not \"", ns, "\""));
  }
  absl::StatusOr<Json> desired = DesiredRouter(upsert);
  if (!desired.ok()) return nack(std::string(desired.status().message()));

  const kube::ResourceRef ref = SemanticRoutersRef().WithNamespace(ns).WithName(name);
  absl::StatusOr<Json> live = client_.Get(ref);
  if (live.ok()) {
    if (!IsHubManaged(*live)) {
      return nack(absl::StrCat("semanticrouter ", ns, "/", name, " exists on cluster ", options_.cluster_name,
                               " and is not managed by srfleet-hub; delete or rename it"));
    }
    if (FindField(*live, {"metadata", "deletionTimestamp"}) != nullptr) {
      // Applying now would be undone by the finalizer; the hub retries.
      return nack(absl::StrCat("semanticrouter ", ns, "/", name, " is being deleted on cluster ", options_.cluster_name,
                               "; retry once it is gone"));
    }
    std::optional<IntentMarks> marks = IntentMarksOf(*live);
    if (marks && marks->revision == upsert.revision() && marks->checksum == upsert.checksum()) {
      return PushOutcome{Ack(upsert.nonce(), upsert.intent_id(), upsert.revision()), false};
    }
  } else if (!kube::IsNotFound(live.status())) {
    return nack(ApiErrorMessage(live.status()));
  }

  kube::ApplyOptions apply;
  apply.field_manager = kHubFieldManager;
  apply.force = true;
  absl::StatusOr<Json> applied = client_.Apply(ref, *desired, apply);
  if (!applied.ok()) return nack(ApiErrorMessage(applied.status()));
  spdlog::info("msg=\"intent applied\" intent={} revision={} created={}", upsert.intent_id(), upsert.revision(),
               !live.ok());
  return PushOutcome{Ack(upsert.nonce(), upsert.intent_id(), upsert.revision()), true};
}

PushOutcome IntentMaterializer::Delete(const fleet::v1::IntentDelete& del) {
  auto nack = [&](const std::string& error) {
    spdlog::warn("msg=\"intent delete refused\" intent={} error={}", del.intent_id(), text::LogQuote(error));
    return PushOutcome{Nack(del.nonce(), del.intent_id(), 0, error), false};
  };
  auto done = [&](bool wrote) { return PushOutcome{Ack(del.nonce(), del.intent_id(), 0), wrote}; };
  absl::StatusOr<std::pair<std::string, std::string>> key = SplitIntentId(del.intent_id());
  if (!key.ok()) return nack(std::string(key.status().message()));
  const kube::ResourceRef ref = SemanticRoutersRef().WithNamespace(key->first).WithName(key->second);
  absl::StatusOr<Json> live = client_.Get(ref);
  if (!live.ok()) return kube::IsNotFound(live.status()) ? done(false) : nack(ApiErrorMessage(live.status()));
  // A local router of the same name, or another intent's: not ours to delete,
  // and as far as this intent goes the cluster already holds nothing.
  std::optional<IntentMarks> marks = IntentMarksOf(*live);
  if (!marks || marks->intent_id != del.intent_id()) return done(false);
  if (FindField(*live, {"metadata", "deletionTimestamp"}) != nullptr) return done(false);
  kube::DeleteOptions options;
  // Only the object we just looked at: a router re-created locally in the
  // meantime under the same name must survive.
  options.precondition_uid = UidOf(*live);
  absl::StatusOr<Json> deleted = client_.Delete(ref, options);
  if (!deleted.ok() && !kube::IsNotFound(deleted.status())) {
    // A uid precondition failing means it was replaced: no longer ours.
    if (kube::IsConflict(deleted.status())) return done(false);
    return nack(ApiErrorMessage(deleted.status()));
  }
  spdlog::info("msg=\"intent deleted\" intent={}", del.intent_id());
  return done(deleted.ok());
}

absl::StatusOr<std::vector<fleet::v1::KnownIntent>> IntentMaterializer::ListKnown() {
  kube::ListOptions options;
  options.label_selector = HubManagedSelector();
  options.limit = 500;
  absl::StatusOr<kube::ObjectList> list =
      client_.ListAll(SemanticRoutersRef().WithNamespace(options_.watch_namespace), options);
  std::vector<fleet::v1::KnownIntent> known;
  if (!list.ok()) {
    // The CRD is not installed: the cluster holds no intent, and saying so
    // lets the hub see the cluster (its upserts then Nack with the API's
    // own words) rather than never connecting.
    if (kube::IsNotFound(list.status())) {
      spdlog::warn("msg=\"semanticrouters not served; telling the hub the cluster holds no intent\"");
      return known;
    }
    return list.status();
  }
  for (const Json& item : list->items) {
    std::optional<IntentMarks> marks = IntentMarksOf(item);
    if (!marks) continue;
    fleet::v1::KnownIntent k;
    k.set_intent_id(marks->intent_id);
    k.set_revision(marks->revision);
    k.set_checksum(marks->checksum);
    known.push_back(std::move(k));
  }
  return known;
}

}  // namespace srfleet::agent::hublink
