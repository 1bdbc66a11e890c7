// SemanticRouter (vllm.ai/v1alpha1): parsing, defaulting and validation.
//
// The object stays a JSON tree so fields this build does not know survive a
// parse -> serialise round trip (the CRD keeps them too). Defaulting and
// validation follow the CRD exactly (it is the single source of truth), plus
// the cross-field rules in cross_field_rules.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/schema/field_error.h"

namespace srfleet::model {

class SemanticRouter {
 public:
  // Takes an object that already passed Validate (defaults applied).
  explicit SemanticRouter(Json object);

  const Json& object() const { return object_; }
  const Json& spec() const;
  const std::string& name() const { return name_; }
  const std::string& ns() const { return namespace_; }

 private:
  Json object_;
  std::string name_;
  std::string namespace_;
};

// Defaults and validates one object in place. Returns every problem found,
// each with its field path; an empty result means the object is valid.
schema::FieldErrors ValidateSemanticRouter(Json& object);

struct ParsedDocuments {
  std::vector<SemanticRouter> routers;
  // Documents of other kinds found alongside (e.g. the Secrets some samples
  // ship); returned untouched.
  std::vector<Json> others;
};

struct ParseOptions {
  // Namespace for routers that name none (kubectl's current namespace).
  std::string default_namespace = "default";
};

// Parses a YAML or JSON stream (several documents allowed). Fails, with every
// problem of every document in the message, if any SemanticRouter is invalid:
// nothing is returned half-valid.
absl::StatusOr<ParsedDocuments> ParseSemanticRouters(std::string_view text, const ParseOptions& options = {});

// Serialises back to YAML (the defaulted object, unknown fields included).
std::string ToYaml(const SemanticRouter& router);

}  // namespace srfleet::model
