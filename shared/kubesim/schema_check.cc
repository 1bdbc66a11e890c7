#include "shared/kubesim/schema_check.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "shared/kubesim/json_access.h"
#include "shared/schema/schema_validator.h"

namespace srfleet::kubesim {
namespace {

const schema::SchemaNode& Resolved(const schema::SchemaNode& n) {
  const schema::SchemaNode* cur = &n;
  for (int hops = 0; cur->delegate && hops < 64; ++hops) cur = cur->delegate;
  return *cur;
}

// The API server validates ObjectMeta and type meta itself; when the schema
// declares them they stay (root CEL rules may read metadata.name), when it
// does not they are set aside so they do not count as unknown.
Json WithoutTypeAndObjectMeta(const schema::SchemaNode& schema, const Json& object, Json* saved) {
  Json body = Json::object();
  *saved = Json::object();
  if (!object.is_object()) return body;
  const schema::SchemaNode& root = Resolved(schema);
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& k = it.key();
    if ((k == "apiVersion" || k == "kind" || k == "metadata") && !root.property_index.contains(k)) {
      (*saved)[k] = *it;
    } else {
      body[k] = *it;
    }
  }
  return body;
}

// Walks "spec.list[2].field" / "spec.map[key]" through `root`.
const Json* ValueAtPath(const Json& root, const std::string& path) {
  const Json* cur = &root;
  size_t i = 0;
  while (cur && i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return nullptr;
      std::string token = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (cur->is_array()) {
        bool digits = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        });
        size_t idx = digits ? std::stoul(token) : cur->size();
        cur = idx < cur->size() ? &(*cur)[idx] : nullptr;
      } else {
        cur = Child(*cur, token);
      }
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    std::string token = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    i = end == std::string::npos ? path.size() : end;
    cur = Child(*cur, token);
  }
  return cur;
}

FieldProblem ToProblem(const schema::FieldError& e, const Json& object) {
  using Kind = schema::FieldError::Kind;
  const Json* value = ValueAtPath(object, e.path);
  std::string rendered = value ? GoValue(*value) : "null";
  switch (e.kind) {
    case Kind::kRequired:
      return {FieldProblem::Type::kRequired, e.path, "", ""};
    case Kind::kNotSupported: {
      // "unsupported value X: supported values are A, B" -> the Go wording.
      std::string detail = e.detail;
      const std::string marker = "supported values are ";
      if (auto pos = detail.rfind(marker); pos != std::string::npos) detail = detail.substr(pos + marker.size());
      return {FieldProblem::Type::kNotSupported, e.path, rendered, detail};
    }
    case Kind::kDuplicate:
      return {FieldProblem::Type::kDuplicate, e.path, rendered, ""};
    case Kind::kTooLong:
      return {FieldProblem::Type::kTooLong, e.path, "", e.detail};
    case Kind::kTypeInvalid:
      return {FieldProblem::Type::kTypeInvalid, e.path, rendered, e.detail};
    case Kind::kUnknownField:
      return {FieldProblem::Type::kInvalid, e.path, rendered, "field not declared in schema"};
    case Kind::kInvalid:
      return {FieldProblem::Type::kInvalid, e.path, rendered, e.detail};
  }
  return {FieldProblem::Type::kInvalid, e.path, rendered, e.detail};
}

}  // namespace

std::vector<std::string> UnknownFields(const schema::SchemaNode& schema, const Json& object) {
  Json saved;
  Json body = WithoutTypeAndObjectMeta(schema, object, &saved);
  schema::ValidateOptions options;
  options.reject_unknown_fields = true;
  options.apply_defaults = false;
  options.evaluate_cel = false;
  std::vector<std::string> out;
  for (const auto& e : schema::Validate(schema, body, options)) {
    if (e.kind == schema::FieldError::Kind::kUnknownField) out.push_back(e.path);
  }
  return out;
}

std::vector<FieldProblem> DefaultAndValidate(const schema::SchemaNode& schema, Json& object, const Json* old) {
  Json saved;
  Json body = WithoutTypeAndObjectMeta(schema, object, &saved);
  Json old_saved;
  Json old_body;
  if (old) old_body = WithoutTypeAndObjectMeta(schema, *old, &old_saved);
  schema::ValidateOptions options;
  options.reject_unknown_fields = false;  // prune
  options.apply_defaults = true;
  options.evaluate_cel = true;
  auto errors = schema::Validate(schema, body, options, "", old ? &old_body : nullptr);
  // Put what was set aside back, in the original order.
  Json merged = Json::object();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (const Json* v = Child(saved, it.key())) {
      merged[it.key()] = *v;
    } else if (Json* b = MutableChild(body, it.key())) {
      merged[it.key()] = std::move(*b);
    }
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!merged.contains(it.key())) merged[it.key()] = std::move(*it);
  }
  object = std::move(merged);
  std::vector<FieldProblem> out;
  for (const auto& e : errors) out.push_back(ToProblem(e, object));
  return out;
}

}  // namespace srfleet::kubesim
