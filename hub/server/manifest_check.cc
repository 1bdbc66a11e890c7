#include "hub/server/manifest_check.h"

#include "absl/strings/str_cat.h"
#include "shared/json/json.h"
#include "shared/model/semantic_router.h"
#include "shared/schema/field_error.h"

namespace srfleet::hub {

absl::StatusOr<CheckedManifest> CheckManifest(const std::string& manifest_json, const std::string& default_namespace) {
  if (manifest_json.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError(absl::StrCat("manifest_json: ", manifest_json.size(), " bytes; the limit is ",
                                                   kMaxManifestBytes, " (1 MiB)"));
  }
  Json object = Json::parse(manifest_json, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return absl::InvalidArgumentError("manifest_json: not valid JSON");
  if (!object.is_object()) return absl::InvalidArgumentError("manifest_json: must be a JSON object");
  if (object.value("apiVersion", "") != "vllm.ai/v1alpha1" || object.value("kind", "") != "SemanticRouter") {
    return absl::InvalidArgumentError(absl::StrCat("manifest_json: apiVersion/kind must be vllm.ai/v1alpha1 "
                                                   "SemanticRouter, not ",
                                                   object.value("apiVersion", "<none>"), " ",
                                                   object.value("kind", "<none>")));
  }
  Json& meta = object["metadata"];
  if (!meta.is_object()) return absl::InvalidArgumentError("metadata: required");
  if (!meta.contains("namespace") || !meta["namespace"].is_string() || meta["namespace"].get<std::string>().empty()) {
    meta["namespace"] = default_namespace.empty() ? "default" : default_namespace;
  }
  // Only what describes intent; server-populated fields from a pasted
  // `kubectl get -o yaml` would be refused or meaningless on other clusters.
  Json clean_meta = Json::object();
  for (const char* key : {"name", "namespace", "labels", "annotations"}) {
    if (meta.contains(key)) clean_meta[key] = meta[key];
  }
  meta = std::move(clean_meta);
  object.erase("status");

  Json probe = object;  // validation applies defaults; the stored copy stays as written
  // Fields this hub's CRD does not declare are let through: clusters may run
  // a newer CRD, and their API server is the final judge (a NACK says so).
  schema::FieldErrors errors = model::ValidateSemanticRouter(probe);
  std::erase_if(errors, [](const schema::FieldError& e) { return e.kind == schema::FieldError::Kind::kUnknownField; });
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("semanticrouter ", probe["metadata"].value("namespace", ""), "/",
                     probe["metadata"].value("name", "<no name>"), " is invalid: ", schema::JoinFieldErrors(errors)));
  }
  CheckedManifest out;
  out.ns = object["metadata"]["namespace"].get<std::string>();
  out.name = object["metadata"].value("name", "");
  if (out.name.empty()) return absl::InvalidArgumentError("metadata.name: required");
  out.json = object.dump();
  return out;
}

}  // namespace srfleet::hub
