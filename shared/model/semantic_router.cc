#include "shared/model/semantic_router.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/json/yaml_codec.h"
#include "shared/model/crd_schema.h"
#include "shared/model/cross_field_rules.h"
#include "shared/schema/schema_validator.h"

namespace srfleet::model {
namespace {

using schema::FieldError;
using schema::FieldErrors;

const Json& EmptyObject() {
  static const Json empty = Json::object();
  return empty;
}

bool IsSemanticRouter(const Json& doc) {
  return doc.is_object() && doc.value("kind", "") == kKind;
}

// What the API server checks before the schema: type meta and object meta.
void ValidateTypeAndObjectMeta(const Json& obj, FieldErrors* errors) {
  if (obj.value("apiVersion", "") != kApiVersion) {
    errors->push_back({FieldError::Kind::kNotSupported, "apiVersion",
                       absl::StrCat("must be \"", kApiVersion, "\", got ",
                                    obj.contains("apiVersion") ? obj["apiVersion"].dump() : "nothing")});
  }
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) {
    errors->push_back({FieldError::Kind::kRequired, "metadata", "required"});
    return;
  }
  const Json& meta = obj["metadata"];
  if (!meta.contains("name")) {
    errors->push_back({FieldError::Kind::kRequired, "metadata.name", "required"});
  } else if (!meta["name"].is_string()) {
    errors->push_back({FieldError::Kind::kTypeInvalid, "metadata.name", "must be a string"});
  }
  if (meta.contains("namespace") && !meta["namespace"].is_string()) {
    errors->push_back({FieldError::Kind::kTypeInvalid, "metadata.namespace", "must be a string"});
  }
  for (const char* map_field : {"labels", "annotations"}) {
    if (!meta.contains(map_field)) continue;
    const Json& m = meta[map_field];
    if (!m.is_object()) {
      errors->push_back({FieldError::Kind::kTypeInvalid, absl::StrCat("metadata.", map_field), "must be a map"});
      continue;
    }
    for (const auto& [k, v] : m.items()) {
      if (!v.is_string()) {
        errors->push_back({FieldError::Kind::kTypeInvalid, schema::KeyPath(absl::StrCat("metadata.", map_field), k),
                           "must be a string"});
      }
    }
  }
}

std::string DocumentLabel(const Json& doc, size_t index) {
  std::string name = "<unnamed>";
  if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object() &&
      doc["metadata"].contains("name") && doc["metadata"]["name"].is_string()) {
    name = doc["metadata"]["name"].get<std::string>();
  }
  return absl::StrCat("document ", index + 1, " (SemanticRouter ", name, ")");
}

}  // namespace

SemanticRouter::SemanticRouter(Json object) : object_(std::move(object)) {
  if (object_.contains("metadata") && object_["metadata"].is_object()) {
    const Json& meta = object_["metadata"];
    name_ = meta.value("name", "");
    namespace_ = meta.value("namespace", "");
  }
}

const Json& SemanticRouter::spec() const {
  auto it = object_.find("spec");
  return it != object_.end() && it->is_object() ? *it : EmptyObject();
}

FieldErrors ValidateSemanticRouter(Json& object) {
  FieldErrors errors;
  if (!object.is_object()) {
    errors.push_back({FieldError::Kind::kTypeInvalid, "", "a SemanticRouter must be a mapping"});
    return errors;
  }
  ValidateTypeAndObjectMeta(object, &errors);
  // An absent spec still gets its defaults (replicas, image, ...), as a real
  // API server does for `spec: {}`.
  if (!object.contains("spec") || object["spec"].is_null()) object["spec"] = Json::object();

  auto root = SemanticRouterSchema();
  if (!root.ok()) {
    errors.push_back({FieldError::Kind::kInvalid, "", absl::StrCat("internal: ", root.status().message())});
    return errors;
  }
  FieldErrors schema_errors = schema::Validate(**root, object);
  errors.insert(errors.end(), schema_errors.begin(), schema_errors.end());
  // Cross-field rules assume a well-typed object; run them only then.
  if (errors.empty()) {
    FieldErrors semantic = CheckCrossFieldRules(object);
    errors.insert(errors.end(), semantic.begin(), semantic.end());
  }
  return errors;
}

absl::StatusOr<ParsedDocuments> ParseSemanticRouters(std::string_view text, const ParseOptions& options) {
  auto docs = ParseYamlDocuments(text);
  if (!docs.ok()) return docs.status();
  ParsedDocuments out;
  std::string problems;
  for (size_t i = 0; i < docs->size(); ++i) {
    Json& doc = (*docs)[i];
    if (doc.is_object() && doc.value("kind", "") == "List" && doc.contains("items")) {
      problems += absl::StrCat(DocumentLabel(doc, i), ": kind List is not supported; apply the items one by one\n");
      continue;
    }
    if (!IsSemanticRouter(doc)) {
      if (!doc.is_object() || !doc.contains("kind")) {
        problems += absl::StrCat("document ", i + 1, ": kind: required (not a Kubernetes object)\n");
        continue;
      }
      out.others.push_back(std::move(doc));
      continue;
    }
    if (doc.contains("metadata") && doc["metadata"].is_object() && !doc["metadata"].contains("namespace")) {
      doc["metadata"]["namespace"] = options.default_namespace;
    }
    FieldErrors errors = ValidateSemanticRouter(doc);
    if (!errors.empty()) {
      problems += absl::StrCat(DocumentLabel(doc, i), " is invalid:\n");
      for (const auto& e : errors) problems += absl::StrCat("  ", e.ToString(), "\n");
      continue;
    }
    out.routers.emplace_back(std::move(doc));
  }
  if (!problems.empty()) {
    problems.pop_back();
    return absl::InvalidArgumentError(problems);
  }
  return out;
}

std::string ToYaml(const SemanticRouter& router) { return srfleet::ToYaml(router.object()); }

}  // namespace srfleet::model
