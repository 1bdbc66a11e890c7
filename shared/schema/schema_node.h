// A compiled OpenAPI v3 schema node, as the Kubernetes API server understands
// it: structural CRD schemas and the built-in types' OpenAPI documents alike.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include <nlohmann/json.hpp>  // defaults and enums are held by value

#include "shared/json/json.h"
#include "shared/schema/cel/cel.h"

namespace srfleet::schema {

struct CelRule {
  cel::Program program;
  std::string rule;
  std::string message;     // static message; falls back to "failed rule: <rule>"
  std::string field_path;  // JSONPath-ish suffix such as ".inferenceServiceName"
  bool transition = false; // references oldSelf: only checked on update
};

struct SchemaNode {
  enum class Type { kAny, kObject, kArray, kString, kInteger, kNumber, kBoolean };

  Type type = Type::kAny;
  // When set, this node is a `$ref` (possibly wrapped in allOf) and the target
  // carries the shape; this node only contributes default/nullable.
  const SchemaNode* delegate = nullptr;

  bool nullable = false;
  bool int_or_string = false;
  bool preserve_unknown_fields = false;
  bool embedded_resource = false;
  // Kubernetes ObjectMeta is validated natively, not by the CRD schema.
  bool object_meta = false;

  std::vector<std::pair<std::string, const SchemaNode*>> properties;  // declared order
  absl::flat_hash_map<std::string, const SchemaNode*> property_index;
  const SchemaNode* additional_properties = nullptr;
  bool additional_properties_any = false;  // additionalProperties: true
  const SchemaNode* items = nullptr;
  std::vector<const SchemaNode*> any_of;
  std::vector<const SchemaNode*> one_of;
  std::vector<const SchemaNode*> all_of;  // value validations (not $ref wrappers)
  const SchemaNode* not_schema = nullptr;

  std::vector<std::string> required;
  std::optional<Json> default_value;
  std::vector<Json> enum_values;
  std::optional<double> minimum, maximum;
  bool exclusive_minimum = false, exclusive_maximum = false;
  std::optional<int64_t> min_length, max_length, min_items, max_items, min_properties, max_properties;
  std::optional<std::regex> pattern;
  std::string pattern_source;
  std::string format;
  std::string list_type;  // atomic | set | map
  std::vector<std::string> list_map_keys;
  std::string patch_merge_key;  // x-kubernetes-patch-merge-key (built-in types)
  std::vector<CelRule> rules;

  bool HasShape() const {
    return type != Type::kAny || !properties.empty() || additional_properties || items || int_or_string;
  }
};

}  // namespace srfleet::schema
