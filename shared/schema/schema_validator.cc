#include "shared/schema/schema_validator.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace srfleet::schema {
namespace {

using Type = SchemaNode::Type;

const SchemaNode& Resolve(const SchemaNode& n) {
  const SchemaNode* cur = &n;
  int hops = 0;
  while (cur->delegate && hops++ < 64) cur = cur->delegate;
  return *cur;
}

// Defaults and nullability may sit on the wrapper or on the target.
const std::optional<Json>& DefaultOf(const SchemaNode& n) {
  const SchemaNode* cur = &n;
  while (cur) {
    if (cur->default_value) return cur->default_value;
    cur = cur->delegate;
  }
  static const std::optional<Json> kNone;
  return kNone;
}

bool NullableOf(const SchemaNode& n) {
  for (const SchemaNode* cur = &n; cur; cur = cur->delegate) {
    if (cur->nullable) return true;
  }
  return false;
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kObject:
      return "object";
    case Type::kArray:
      return "array";
    case Type::kString:
      return "string";
    case Type::kInteger:
      return "integer";
    case Type::kNumber:
      return "number";
    case Type::kBoolean:
      return "boolean";
    case Type::kAny:
      return "any";
  }
  return "?";
}

std::string JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

bool IsIntegral(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

bool TypeMatches(Type t, const Json& v) {
  switch (t) {
    case Type::kAny:
      return true;
    case Type::kObject:
      return v.is_object();
    case Type::kArray:
      return v.is_array();
    case Type::kString:
      return v.is_string();
    case Type::kInteger:
      return IsIntegral(v);
    case Type::kNumber:
      return v.is_number();
    case Type::kBoolean:
      return v.is_boolean();
  }
  return false;
}

std::string Brief(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string FormatNumber(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return Json(d).dump();
}

class Validator {
 public:
  explicit Validator(const ValidateOptions& options) : options_(options) {}

  void Walk(const SchemaNode& node, Json& value, const std::string& path, const Json* old_value) {
    const SchemaNode& s = Resolve(node);
    size_t errors_before = errors_.size();

    if (s.int_or_string) {
      if (!(IsIntegral(value) || value.is_string() || (s.format != "int-or-string" && value.is_number()))) {
        Add(FieldError::Kind::kTypeInvalid, path,
            absl::StrCat("must be an integer or a string, not ", JsonTypeName(value)));
        return;
      }
    } else if (!TypeMatches(s.type, value)) {
      Add(FieldError::Kind::kTypeInvalid, path,
          absl::StrCat("must be of type ", TypeName(s.type), ", not ", JsonTypeName(value), " ", Brief(value)));
      return;
    }

    if (value.is_object()) WalkObject(s, value, path, old_value);
    if (value.is_array()) WalkArray(s, value, path, old_value);
    CheckScalar(s, value, path);
    CheckUnions(s, value, path);

    if (options_.evaluate_cel && !s.rules.empty() && errors_.size() == errors_before) {
      EvaluateRules(s, value, path, old_value);
    }
  }

  FieldErrors Take() { return std::move(errors_); }

 private:
  void Add(FieldError::Kind kind, const std::string& path, std::string detail) {
    errors_.push_back(FieldError{kind, path, std::move(detail)});
  }

  void WalkObject(const SchemaNode& s, Json& obj, const std::string& path, const Json* old_obj) {
    if (s.object_meta) return;  // ObjectMeta is the API server's own business
    // Drop nulls where the schema does not allow them, so defaults apply.
    for (auto it = obj.begin(); it != obj.end();) {
      const SchemaNode* child = FindProperty(s, it.key());
      if (it->is_null() && child && !NullableOf(*child)) {
        it = obj.erase(it);
      } else {
        ++it;
      }
    }
    if (options_.apply_defaults) {
      for (const auto& [name, child] : s.properties) {
        if (obj.contains(name)) continue;
        if (const auto& d = DefaultOf(*child); d.has_value()) obj[name] = *d;
      }
    }
    for (const auto& r : s.required) {
      if (!obj.contains(r)) Add(FieldError::Kind::kRequired, ChildPath(path, r), "required");
    }
    bool closed = !s.preserve_unknown_fields && !s.additional_properties && !s.additional_properties_any &&
                  s.type != Type::kAny;
    for (auto it = obj.begin(); it != obj.end();) {
      const std::string& key = it.key();
      const Json* old_child = (old_obj && old_obj->is_object() && old_obj->contains(key)) ? &(*old_obj)[key] : nullptr;
      if (auto prop = s.property_index.find(key); prop != s.property_index.end()) {
        Walk(*prop->second, it.value(), ChildPath(path, key), old_child);
      } else if (s.additional_properties) {
        Walk(*s.additional_properties, it.value(), KeyPath(path, key), old_child);
      } else if (s.embedded_resource && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        // embedded objects carry type and object metadata implicitly
      } else if (closed) {
        if (options_.reject_unknown_fields) {
          Add(FieldError::Kind::kUnknownField, ChildPath(path, key), "field not declared in schema");
        } else {
          it = obj.erase(it);
          continue;
        }
      }
      ++it;
    }
    if (s.min_properties && static_cast<int64_t>(obj.size()) < *s.min_properties) {
      Add(FieldError::Kind::kInvalid, path, absl::StrCat("must have at least ", *s.min_properties, " properties"));
    }
    if (s.max_properties && static_cast<int64_t>(obj.size()) > *s.max_properties) {
      Add(FieldError::Kind::kTooLong, path, absl::StrCat("must have at most ", *s.max_properties, " properties"));
    }
  }

  static const SchemaNode* FindProperty(const SchemaNode& s, const std::string& key) {
    if (auto it = s.property_index.find(key); it != s.property_index.end()) return it->second;
    return s.additional_properties;
  }

  void WalkArray(const SchemaNode& s, Json& arr, const std::string& path, const Json* old_arr) {
    if (s.min_items && static_cast<int64_t>(arr.size()) < *s.min_items) {
      Add(FieldError::Kind::kInvalid, path, absl::StrCat("must have at least ", *s.min_items, " items"));
    }
    if (s.max_items && static_cast<int64_t>(arr.size()) > *s.max_items) {
      Add(FieldError::Kind::kTooLong, path,
          absl::StrCat("must have at most ", *s.max_items, " items, has ", arr.size()));
    }
    if (s.items) {
      for (size_t i = 0; i < arr.size(); ++i) {
        const Json* old_item = nullptr;
        if (old_arr && old_arr->is_array() && i < old_arr->size()) old_item = &(*old_arr)[i];
        Walk(*s.items, arr[i], IndexPath(path, i), old_item);
      }
    }
    if (s.list_type == "set") {
      std::set<std::string> seen;
      for (size_t i = 0; i < arr.size(); ++i) {
        if (!seen.insert(arr[i].dump()).second) {
          Add(FieldError::Kind::kDuplicate, IndexPath(path, i), absl::StrCat("duplicate value ", Brief(arr[i])));
        }
      }
    } else if (s.list_type == "map" && !s.list_map_keys.empty()) {
      std::set<std::string> seen;
      for (size_t i = 0; i < arr.size(); ++i) {
        if (!arr[i].is_object()) continue;
        Json key = Json::object();
        for (const auto& k : s.list_map_keys) key[k] = arr[i].contains(k) ? arr[i][k] : Json();
        if (!seen.insert(key.dump()).second) {
          std::vector<std::string> parts;
          for (const auto& k : s.list_map_keys) parts.push_back(absl::StrCat(k, "=", Brief(key[k])));
          Add(FieldError::Kind::kDuplicate, IndexPath(path, i),
              absl::StrCat("duplicate entry with ", absl::StrJoin(parts, ", ")));
        }
      }
    }
  }

  void CheckScalar(const SchemaNode& s, const Json& v, const std::string& path) {
    if (!s.enum_values.empty()) {
      bool found = false;
      for (const auto& e : s.enum_values) {
        if (e == v || (e.is_number() && v.is_number() && e.get<double>() == v.get<double>())) {
          found = true;
          break;
        }
      }
      if (!found) {
        std::vector<std::string> options;
        for (const auto& e : s.enum_values) options.push_back(e.dump());
        Add(FieldError::Kind::kNotSupported, path,
            absl::StrCat("unsupported value ", Brief(v), ": supported values are ", absl::StrJoin(options, ", ")));
      }
    }
    if (v.is_number()) {
      double d = v.get<double>();
      if (s.minimum && (s.exclusive_minimum ? d <= *s.minimum : d < *s.minimum)) {
        Add(FieldError::Kind::kInvalid, path,
            absl::StrCat("must be greater than ", s.exclusive_minimum ? "" : "or equal to ", FormatNumber(*s.minimum),
                         ", got ", Brief(v)));
      }
      if (s.maximum && (s.exclusive_maximum ? d >= *s.maximum : d > *s.maximum)) {
        Add(FieldError::Kind::kInvalid, path,
            absl::StrCat("must be less than ", s.exclusive_maximum ? "" : "or equal to ", FormatNumber(*s.maximum),
                         ", got ", Brief(v)));
      }
      if (s.format == "int32" && IsIntegral(v) && (d < -2147483648.0 || d > 2147483647.0)) {
        Add(FieldError::Kind::kInvalid, path, absl::StrCat("must fit in a 32-bit integer, got ", Brief(v)));
      }
    }
    if (v.is_string()) {
      const auto& str = v.get_ref<const std::string&>();
      size_t len = Utf8Length(str);
      if (s.min_length && static_cast<int64_t>(len) < *s.min_length) {
        Add(FieldError::Kind::kInvalid, path,
            *s.min_length == 1 ? std::string("must not be empty")
                               : absl::StrCat("must be at least ", *s.min_length, " characters long"));
      }
      if (s.max_length && static_cast<int64_t>(len) > *s.max_length) {
        Add(FieldError::Kind::kTooLong, path, absl::StrCat("must be at most ", *s.max_length, " characters long"));
      }
      if (s.pattern && !std::regex_search(str, *s.pattern)) {
        Add(FieldError::Kind::kInvalid, path,
            absl::StrCat("invalid value ", Brief(v), ": must match the pattern ", s.pattern_source));
      }
    }
  }

  void CheckUnions(const SchemaNode& s, Json& v, const std::string& path) {
    auto passes = [&](const SchemaNode* branch) {
      Json copy = v;
      ValidateOptions lenient{false, false, false};
      Validator probe(lenient);
      probe.Walk(*branch, copy, path, nullptr);
      return probe.errors_.empty();
    };
    if (!s.any_of.empty()) {
      bool any = false;
      for (const auto* b : s.any_of) any = any || passes(b);
      if (!any) Add(FieldError::Kind::kInvalid, path, "must match at least one of the allowed shapes (anyOf)");
    }
    for (const auto* b : s.all_of) {
      if (!passes(b)) {
        Add(FieldError::Kind::kInvalid, path, "must satisfy every constraint of the schema (allOf)");
        break;
      }
    }
    if (s.not_schema && passes(s.not_schema)) {
      Add(FieldError::Kind::kInvalid, path, "matches a shape the schema forbids (not)");
    }
    if (!s.one_of.empty()) {
      int count = 0;
      for (const auto* b : s.one_of) count += passes(b) ? 1 : 0;
      if (count != 1) Add(FieldError::Kind::kInvalid, path, "must match exactly one of the allowed shapes (oneOf)");
    }
  }

  void EvaluateRules(const SchemaNode& s, const Json& value, const std::string& path, const Json* old_value) {
    for (const auto& rule : s.rules) {
      if (rule.transition && !old_value) continue;  // transition rules only run on update
      std::string where = path;
      if (!rule.field_path.empty()) {
        where = rule.field_path.front() == '.' ? path + rule.field_path : ChildPath(path, rule.field_path);
      }
      auto ok = rule.program.EvaluateBool(value, old_value);
      if (!ok.ok()) {
        Add(FieldError::Kind::kInvalid, where,
            absl::StrCat("rule \"", rule.rule, "\" could not be evaluated: ", ok.status().message()));
      } else if (!*ok) {
        Add(FieldError::Kind::kInvalid, where,
            rule.message.empty() ? absl::StrCat("failed rule: ", rule.rule) : rule.message);
      }
    }
  }

  const ValidateOptions& options_;
  FieldErrors errors_;
};

}  // namespace

FieldErrors Validate(const SchemaNode& schema, Json& value, const ValidateOptions& options, const std::string& path,
                     const Json* old_value) {
  Validator v(options);
  v.Walk(schema, value, path, old_value);
  return v.Take();
}

}  // namespace srfleet::schema
