// tools_db.json (seed-operator §2.9), with two deliberate differences from
// upstream: entries carry no empty placeholder objects (upstream's Go structs
// always emitted "tool":{"function":{"parameters":{}}}), and entries in the
// flat shape several upstream samples use, {name, description, parameters},
// are converted to the nested shape the router reads instead of losing
// everything but `description` to schema pruning.
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "shared/render/router_config.h"

namespace srfleet::render {
namespace {

// `obj` with the keys of `order` first, then the others in their original
// order, leaving out members that are null or empty objects.
Json Compact(Json obj, std::initializer_list<std::string_view> order) {
  Json out = Json::object();
  auto keep = [&out](const std::string& key, Json&& value) {
    if (value.is_null() || (value.is_object() && value.empty())) return;
    out[key] = std::move(value);
  };
  for (std::string_view key : order) {
    auto it = obj.find(std::string(key));
    if (it == obj.end()) continue;
    keep(std::string(key), std::move(*it));
    obj.erase(it);
  }
  for (auto& [key, value] : obj.items()) keep(key, std::move(value));
  return out;
}

Json NormalizeParameters(Json parameters) {
  if (!parameters.is_object()) return parameters;
  return Compact(std::move(parameters), {"type", "properties", "required"});
}

Json NormalizeFunction(Json function) {
  if (!function.is_object()) return function;
  if (function.contains("parameters")) {
    function["parameters"] = NormalizeParameters(std::move(function["parameters"]));
  }
  return Compact(std::move(function), {"name", "description", "parameters"});
}

// {tool:{type,function:{name,description,parameters}}, description, category, tags}
Json FromNested(Json entry) {
  if (entry.contains("tool") && entry["tool"].is_object()) {
    Json& tool = entry["tool"];
    if (tool.contains("function")) tool["function"] = NormalizeFunction(std::move(tool["function"]));
    tool = Compact(std::move(tool), {"type", "function"});
  }
  return Compact(std::move(entry), {"tool", "description", "category", "tags"});
}

// {name, description, parameters, category?, tags?} -> the nested shape. The
// description describes both the function and the entry.
Json FromFlat(Json entry) {
  Json function = Json::object();
  for (const char* key : {"name", "description", "parameters"}) {
    if (entry.contains(key)) function[key] = entry[key];
  }
  Json tool = Json::object();
  tool["type"] = entry.contains("type") ? entry["type"] : Json("function");
  tool["function"] = NormalizeFunction(std::move(function));
  Json nested = Json::object();
  nested["tool"] = std::move(tool);
  for (auto& [key, value] : entry.items()) {
    if (key != "name" && key != "parameters" && key != "type") nested[key] = std::move(value);
  }
  return Compact(std::move(nested), {"tool", "description", "category", "tags"});
}

absl::StatusOr<std::string> Build(const Json& spec) {
  if (!spec.is_object() && !spec.is_null()) {
    return absl::InvalidArgumentError("spec: expected an object");
  }
  if (!spec.is_object() || !spec.contains("toolsDb") || spec["toolsDb"].is_null()) return "[]";
  const Json& db = spec["toolsDb"];
  if (!db.is_array()) return absl::InvalidArgumentError("spec.toolsDb: expected an array");
  Json out = Json::array();
  for (size_t i = 0; i < db.size(); ++i) {
    const Json& entry = db[i];
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("spec.toolsDb[", i, "]: expected an object"));
    }
    const bool nested = entry.contains("tool") && !entry["tool"].is_null();
    const bool flat = !nested && (entry.contains("name") || entry.contains("parameters"));
    out.push_back(flat ? FromFlat(entry) : FromNested(entry));
  }
  // Strings parsed from JSON or YAML are valid UTF-8; one built in code might
  // not be, and dump() reports that by throwing.
  try {
    return out.dump();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("spec.toolsDb: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::string> BuildToolsDb(const Json& spec) {
  try {
    return Build(spec);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("spec.toolsDb: ", e.what()));
  }
}

}  // namespace srfleet::render
