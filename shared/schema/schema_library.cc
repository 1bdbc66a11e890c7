#include "shared/schema/schema_library.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace srfleet::schema {
namespace {

constexpr char kComponentPrefix[] = "#/components/schemas/";
constexpr char kRootPath[] = "<root>";

absl::StatusOr<SchemaNode::Type> ParseType(const Json& t, const std::string& where) {
  if (!t.is_string()) return absl::InvalidArgumentError(absl::StrCat(where, ": type must be a string"));
  const auto& s = t.get_ref<const std::string&>();
  if (s == "object") return SchemaNode::Type::kObject;
  if (s == "array") return SchemaNode::Type::kArray;
  if (s == "string") return SchemaNode::Type::kString;
  if (s == "integer") return SchemaNode::Type::kInteger;
  if (s == "number") return SchemaNode::Type::kNumber;
  if (s == "boolean") return SchemaNode::Type::kBoolean;
  return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported type \"", s, "\""));
}

std::optional<int64_t> OptInt(const Json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<double> OptDouble(const Json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

bool OptBool(const Json& s, const char* key) {
  auto it = s.find(key);
  return it != s.end() && it->is_boolean() && it->get<bool>();
}

// Kubernetes validates patterns with RE2; the patterns in use are within the
// ECMAScript subset, so std::regex gives the same answers.
absl::StatusOr<std::regex> CompilePattern(const std::string& p, const std::string& where) {
  try {
    return std::regex(p, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": invalid pattern \"", p, "\": ", e.what()));
  }
}

}  // namespace

GroupVersionKind GroupVersionKind::FromApiVersion(const std::string& api_version, const std::string& kind) {
  GroupVersionKind gvk;
  auto slash = api_version.find('/');
  if (slash == std::string::npos) {
    gvk.version = api_version;
  } else {
    gvk.group = api_version.substr(0, slash);
    gvk.version = api_version.substr(slash + 1);
  }
  gvk.kind = kind;
  return gvk;
}

SchemaNode* SchemaLibrary::NewNode() { return &arena_.emplace_back(); }

absl::Status SchemaLibrary::AddOpenApiDocument(const Json& document) {
  if (!document.is_object() || !document.contains("components") || !document["components"].is_object() ||
      !document["components"].contains("schemas")) {
    return absl::InvalidArgumentError("OpenAPI document has no components.schemas");
  }
  for (const auto& [name, schema] : document["components"]["schemas"].items()) {
    raw_components_[name] = schema;
    auto gvks = schema.find("x-kubernetes-group-version-kind");
    if (gvks == schema.end() || !gvks->is_array()) continue;
    for (const auto& g : *gvks) {
      if (!g.is_object()) continue;
      GroupVersionKind gvk{g.value("group", ""), g.value("version", ""), g.value("kind", "")};
      component_by_gvk_[gvk] = name;
    }
  }
  return absl::OkStatus();
}

absl::Status SchemaLibrary::AddCustomResourceDefinition(const Json& crd) {
  if (!crd.is_object() || crd.value("kind", "") != "CustomResourceDefinition") {
    return absl::InvalidArgumentError("not a CustomResourceDefinition");
  }
  const Json& spec = crd.contains("spec") ? crd["spec"] : Json();
  if (!spec.is_object() || !spec.contains("versions") || !spec["versions"].is_array()) {
    return absl::InvalidArgumentError("CustomResourceDefinition has no spec.versions");
  }
  std::string group = spec.value("group", "");
  std::string kind = spec.contains("names") && spec["names"].is_object() ? spec["names"].value("kind", "") : "";
  for (const auto& version : spec["versions"]) {
    if (!version.is_object() || !version.contains("schema")) continue;
    const Json& schema = version["schema"];
    if (!schema.is_object() || !schema.contains("openAPIV3Schema")) continue;
    auto node = Compile(schema["openAPIV3Schema"]);
    if (!node.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("CRD ", crd.value("/metadata/name"_json_pointer, std::string("?")), " version ",
                       version.value("name", "?"), ": ", node.status().message()));
    }
    crd_by_gvk_[GroupVersionKind{group, version.value("name", ""), kind}] = *node;
  }
  return absl::OkStatus();
}

absl::StatusOr<const SchemaNode*> SchemaLibrary::Compile(const Json& schema) {
  auto node = CompileNode(schema, kRootPath);
  if (!node.ok()) return node.status();
  return static_cast<const SchemaNode*>(*node);
}

const SchemaNode* SchemaLibrary::Find(const GroupVersionKind& gvk) {
  if (auto it = crd_by_gvk_.find(gvk); it != crd_by_gvk_.end()) return it->second;
  auto it = component_by_gvk_.find(gvk);
  if (it == component_by_gvk_.end()) return nullptr;
  auto node = ResolveRef(kComponentPrefix + it->second);
  return node.ok() ? *node : nullptr;
}

const SchemaNode* SchemaLibrary::FindComponent(const std::string& name) {
  auto node = ResolveRef(kComponentPrefix + name);
  return node.ok() ? *node : nullptr;
}

absl::StatusOr<const SchemaNode*> SchemaLibrary::ResolveRef(const std::string& ref) {
  if (ref.rfind(kComponentPrefix, 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported $ref \"", ref, "\""));
  }
  std::string name = ref.substr(sizeof(kComponentPrefix) - 1);
  if (auto it = compiled_components_.find(name); it != compiled_components_.end()) return it->second;
  auto raw = raw_components_.find(name);
  if (raw == raw_components_.end()) return absl::NotFoundError(absl::StrCat("unknown schema \"", name, "\""));
  // Register a forwarding node first so recursive types terminate.
  SchemaNode* forward = NewNode();
  compiled_components_[name] = forward;
  auto target = CompileNode(raw->second, name);
  if (!target.ok()) return target.status();
  forward->delegate = *target;
  return static_cast<const SchemaNode*>(forward);
}

absl::StatusOr<SchemaNode*> SchemaLibrary::CompileNode(const Json& s, const std::string& where) {
  if (s.is_boolean()) {  // `true` schema: anything goes
    SchemaNode* any = NewNode();
    any->preserve_unknown_fields = true;
    return any;
  }
  if (!s.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": schema must be an object"));
  SchemaNode* n = NewNode();

  if (auto ref = s.find("$ref"); ref != s.end() && ref->is_string()) {
    auto target = ResolveRef(ref->get<std::string>());
    if (!target.ok()) return target.status();
    n->delegate = *target;
  }
  if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
    // Kubernetes wraps a $ref in a one-element allOf to attach a default;
    // anything else is a value validation every branch of which must hold.
    bool ref_wrapper = all->size() == 1 && (*all)[0].is_object() && (*all)[0].contains("$ref") && !n->delegate;
    for (const auto& branch : *all) {
      auto target = CompileNode(branch, where);
      if (!target.ok()) return target.status();
      if (ref_wrapper) {
        n->delegate = *target;
      } else {
        n->all_of.push_back(*target);
      }
    }
  }
  if (auto negated = s.find("not"); negated != s.end() && negated->is_object()) {
    auto target = CompileNode(*negated, where);
    if (!target.ok()) return target.status();
    n->not_schema = *target;
  }
  if (auto t = s.find("type"); t != s.end()) {
    auto type = ParseType(*t, where);
    if (!type.ok()) return type.status();
    n->type = *type;
  }
  n->nullable = OptBool(s, "nullable");
  n->preserve_unknown_fields = OptBool(s, "x-kubernetes-preserve-unknown-fields");
  n->embedded_resource = OptBool(s, "x-kubernetes-embedded-resource");
  n->int_or_string = OptBool(s, "x-kubernetes-int-or-string") || s.value("format", "") == "int-or-string";
  n->format = s.value("format", "");

  if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
    if (n->type == SchemaNode::Type::kAny) n->type = SchemaNode::Type::kObject;
    for (const auto& [name, child] : props->items()) {
      auto c = CompileNode(child, where + "." + name);
      if (!c.ok()) return c.status();
      n->properties.emplace_back(name, *c);
      n->property_index[name] = *c;
    }
  }
  if (auto ap = s.find("additionalProperties"); ap != s.end()) {
    if (ap->is_boolean()) {
      n->additional_properties_any = ap->get<bool>();
    } else {
      auto c = CompileNode(*ap, where + "{}");
      if (!c.ok()) return c.status();
      n->additional_properties = *c;
    }
  }
  if (auto items = s.find("items"); items != s.end()) {
    auto c = CompileNode(*items, where + "[]");
    if (!c.ok()) return c.status();
    n->items = *c;
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto it = s.find(key);
    if (it == s.end() || !it->is_array()) continue;
    for (const auto& branch : *it) {
      auto c = CompileNode(branch, where);
      if (!c.ok()) return c.status();
      (std::string(key) == "anyOf" ? n->any_of : n->one_of).push_back(*c);
    }
  }
  // int-or-string and Quantity come as oneOf/anyOf over scalar types; the
  // API server treats them as one scalar that may be either.
  auto scalar_union = [](const std::vector<const SchemaNode*>& branches) {
    if (branches.empty()) return false;
    for (const auto* b : branches) {
      if (!b->properties.empty() || b->items || !b->required.empty()) return false;
      if (b->type != SchemaNode::Type::kString && b->type != SchemaNode::Type::kInteger &&
          b->type != SchemaNode::Type::kNumber)
        return false;
    }
    return true;
  };
  if (scalar_union(n->any_of) || scalar_union(n->one_of)) {
    n->int_or_string = true;
    n->any_of.clear();
    n->one_of.clear();
  }

  if (auto req = s.find("required"); req != s.end() && req->is_array()) {
    for (const auto& r : *req) {
      if (r.is_string()) n->required.push_back(r.get<std::string>());
    }
  }
  if (auto d = s.find("default"); d != s.end()) n->default_value = *d;
  if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
    for (const auto& v : *e) n->enum_values.push_back(v);
  }
  n->minimum = OptDouble(s, "minimum");
  n->maximum = OptDouble(s, "maximum");
  n->exclusive_minimum = OptBool(s, "exclusiveMinimum");
  n->exclusive_maximum = OptBool(s, "exclusiveMaximum");
  n->min_length = OptInt(s, "minLength");
  n->max_length = OptInt(s, "maxLength");
  n->min_items = OptInt(s, "minItems");
  n->max_items = OptInt(s, "maxItems");
  n->min_properties = OptInt(s, "minProperties");
  n->max_properties = OptInt(s, "maxProperties");
  if (auto p = s.find("pattern"); p != s.end() && p->is_string()) {
    auto re = CompilePattern(p->get<std::string>(), where);
    if (!re.ok()) return re.status();
    n->pattern = std::move(*re);
    n->pattern_source = p->get<std::string>();
  }
  n->list_type = s.value("x-kubernetes-list-type", "");
  n->patch_merge_key = s.value("x-kubernetes-patch-merge-key", "");
  if (auto keys = s.find("x-kubernetes-list-map-keys"); keys != s.end() && keys->is_array()) {
    for (const auto& k : *keys) {
      if (k.is_string()) n->list_map_keys.push_back(k.get<std::string>());
    }
  }
  if (auto rules = s.find("x-kubernetes-validations"); rules != s.end() && rules->is_array()) {
    for (const auto& r : *rules) {
      if (!r.is_object() || !r.contains("rule") || !r["rule"].is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": x-kubernetes-validations entry without rule"));
      }
      std::string text = r["rule"].get<std::string>();
      auto program = cel::Program::Compile(text);
      if (!program.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": invalid CEL rule \"", text, "\": ", program.status().message()));
      }
      bool transition = program->uses_old_self();
      CelRule rule{std::move(*program), text, r.value("message", ""), r.value("fieldPath", ""), transition};
      n->rules.push_back(std::move(rule));
    }
  }
  // A CRD's root `metadata` (declared without properties) is ObjectMeta,
  // validated by the API server itself, not by the CRD's schema.
  if (where == std::string(kRootPath) + ".metadata" && n->properties.empty()) n->object_meta = true;
  return n;
}

}  // namespace srfleet::schema
