#include "shared/kubesim/openapi_documents.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/openapi_paths.h"
#include "shared/kubesim/sha256.h"

namespace srfleet::kubesim {
namespace {

constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr char kApiVersionDoc[] =
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
    "recognized schemas to the latest internal value, and may reject unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
constexpr char kKindDoc[] =
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from "
    "the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
constexpr char kMetadataDoc[] =
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

// Component names: built-in kinds under io.k8s.api.<group>.<version>, CRD
// kinds under the reversed group ("vllm.ai" -> "ai.vllm.v1alpha1.SemanticRouter").
std::string SchemaPrefix(const ResourceType& t, const std::string& version) {
  if (!t.unstructured) {
    if (t.group == "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version;
    std::string group = t.group.empty() ? "core" : std::string(t.group.substr(0, t.group.find('.')));
    return absl::StrCat("io.k8s.api.", group, ".", version);
  }
  std::vector<std::string> labels = absl::StrSplit(t.group, '.');
  std::reverse(labels.begin(), labels.end());
  return absl::StrCat(absl::StrJoin(labels, "."), ".", version);
}

Json Gvk(const std::string& group, const std::string& version, const std::string& kind) {
  return Json::array({Json{{"group", group}, {"kind", kind}, {"version", version}}});
}

Json RefTo(const std::string& schema, const std::string& description) {
  Json r = Json::object();
  r["description"] = description;
  r["default"] = Json::object();
  r["allOf"] = Json::array({Json{{"$ref", "#/components/schemas/" + schema}}});
  return r;
}

// The stored openAPIV3Schema of a CRD version, or nullptr.
const Json* CrdVersionSchema(const ResourceType& t, const std::string& version) {
  if (!t.crd) return nullptr;
  const Json* versions = Child(t.crd->spec, "versions");
  if (!versions || !versions->is_array()) return nullptr;
  for (const auto& v : *versions) {
    if (ChildString(v, "name") != version) continue;
    const Json* s = Child(v, "schema");
    return s ? Child(*s, "openAPIV3Schema") : nullptr;
  }
  return nullptr;
}

// The kind's schema: the CRD's own (as the apiextensions server publishes
// it), else a permissive object that still names its fields' container.
Json KindSchema(const ResourceType& t, const std::string& version) {
  Json schema;
  if (const Json* crd_schema = CrdVersionSchema(t, version); crd_schema && crd_schema->is_object()) {
    schema = *crd_schema;
  } else {
    schema = Json::object();
    if (!t.unstructured) {
      schema["description"] =
          absl::StrCat(t.kind, " (kubesim publishes no field schema for built-in kinds; the server validates them)");
    }
    schema["type"] = "object";
    schema["x-kubernetes-preserve-unknown-fields"] = true;
  }
  Json& props = EnsureObject(schema, "properties");
  props["apiVersion"] = Json{{"description", kApiVersionDoc}, {"type", "string"}};
  props["kind"] = Json{{"description", kKindDoc}, {"type", "string"}};
  props["metadata"] = RefTo(std::string(kMeta) + "ObjectMeta", kMetadataDoc);
  schema["x-kubernetes-group-version-kind"] = Gvk(t.group, version, t.kind);
  return schema;
}

Json ListSchema(const ResourceType& t, const std::string& version, const std::string& kind_schema) {
  Json items = Json::object();
  items["description"] = absl::StrCat("List of ", t.resource,
                                      ". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
                                      "api-conventions.md");
  items["type"] = "array";
  items["items"] = Json{{"$ref", "#/components/schemas/" + kind_schema}};
  Json schema = Json::object();
  schema["description"] = absl::StrCat(t.list_kind, " is a list of ", t.kind);
  schema["type"] = "object";
  schema["required"] = Json::array({"items"});
  schema["properties"] = Json{{"apiVersion", {{"description", kApiVersionDoc}, {"type", "string"}}},
                              {"items", std::move(items)},
                              {"kind", {{"description", kKindDoc}, {"type", "string"}}},
                              {"metadata", RefTo(std::string(kMeta) + "ListMeta", "Standard list metadata.")}};
  schema["x-kubernetes-group-version-kind"] = Gvk(t.group, version, t.list_kind);
  return schema;
}

// The apimachinery types the operations refer to, permissive.
void AddMetaSchemas(Json& schemas, bool builtin) {
  std::vector<std::pair<const char*, const char*>> meta = {
      {"DeleteOptions", "DeleteOptions may be provided when deleting an API object."},
      {"ListMeta",
       "ListMeta describes metadata that synthetic resources must have, including lists and various status "
       "objects. A resource may have only one of {ObjectMeta, ListMeta}."},
      {"ObjectMeta",
       "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must "
       "create."},
      {"Patch", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."},
      {"Status", "Status is a return value for calls that don't return other objects."}};
  if (builtin) {
    meta.insert(meta.begin(), {"APIResourceList",
                               "APIResourceList is a list of APIResource, it is used to expose the name of the "
                               "resources supported in a specific group and version, and if the resource is "
                               "namespaced."});
    meta.push_back({"WatchEvent", "Event represents a single event to a watched resource."});
  }
  for (const auto& [name, description] : meta) {
    schemas[std::string(kMeta) + name] = Json{{"description", description}, {"type", "object"}};
  }
}

std::vector<const ResourceType*> TypesIn(const ResourceRegistry& registry, const std::string& group,
                                         const std::string& version) {
  std::vector<const ResourceType*> types;
  for (TypeId id : registry.ServedIds()) {
    const ResourceType* t = registry.Get(id);
    if (t && t->group == group && t->Serves(version)) types.push_back(t);
  }
  std::sort(types.begin(), types.end(),
            [](const ResourceType* a, const ResourceType* b) { return a->resource < b->resource; });
  return types;
}

// Served group-versions by document path (sorted, as Go's map encoding is).
std::map<std::string, std::pair<std::string, std::string>> ServedGroupVersions(const ResourceRegistry& registry) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (TypeId id : registry.ServedIds()) {
    const ResourceType* t = registry.Get(id);
    if (!t) continue;
    for (const auto& v : t->versions) out[OpenApiGroupVersionPath(t->group, v)] = {t->group, v};
  }
  return out;
}

std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S UTC", &tm);
  return std::string(buf, n);
}

bool AcceptsJson(const ApiRequest& request) {
  std::string accept = absl::AsciiStrToLower(request.Header("accept"));
  if (accept.empty()) return true;
  for (absl::string_view clause : absl::StrSplit(accept, ',')) {
    std::string type(absl::StripAsciiWhitespace(clause.substr(0, clause.find(';'))));
    if (type == "application/json" || type == "application/*" || type == "*/*") return true;
  }
  return false;
}

ApiResponse Plain(int status, const std::string& body) {
  ApiResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"X-Content-Type-Options", "nosniff"}};
  r.body = body;
  return r;
}

}  // namespace

std::string OpenApiGroupVersionPath(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : absl::StrCat("apis/", group, "/", version);
}

std::optional<Json> OpenApiGroupVersionDocument(const ResourceRegistry& registry, const std::string& gv_path,
                                                const std::string& kubernetes_version) {
  auto served = ServedGroupVersions(registry);
  auto it = served.find(gv_path);
  if (it == served.end()) return std::nullopt;
  const auto& [group, version] = it->second;
  std::vector<const ResourceType*> types = TypesIn(registry, group, version);
  const bool builtin = std::any_of(types.begin(), types.end(), [](const ResourceType* t) { return !t->unstructured; });

  Json paths = Json::object();
  Json schemas = Json::object();
  if (builtin) paths[absl::StrCat("/", gv_path, "/")] = ApiResourcesPathItem(group, version);
  for (const ResourceType* t : types) {
    OpenApiKind kind;
    kind.type = t;
    kind.version = version;
    kind.schema_name = absl::StrCat(SchemaPrefix(*t, version), ".", t->kind);
    kind.list_schema_name = absl::StrCat(SchemaPrefix(*t, version), ".", t->list_kind);
    AddResourcePaths(kind, paths);
    schemas[kind.schema_name] = KindSchema(*t, version);
    schemas[kind.list_schema_name] = ListSchema(*t, version, kind.schema_name);
  }
  AddMetaSchemas(schemas, builtin);
  Json sorted_paths = Json::object();  // Go encodes maps in key order
  std::map<std::string, Json*> order;
  for (auto p = paths.begin(); p != paths.end(); ++p) order[p.key()] = &p.value();
  for (auto& [key, value] : order) sorted_paths[key] = std::move(*value);
  Json sorted_schemas = Json::object();
  std::map<std::string, Json*> schema_order;
  for (auto s = schemas.begin(); s != schemas.end(); ++s) schema_order[s.key()] = &s.value();
  for (auto& [key, value] : schema_order) sorted_schemas[key] = std::move(*value);

  Json doc = Json::object();
  doc["openapi"] = "3.0.0";
  doc["info"] = Json{{"title", "Kubernetes"}, {"version", kubernetes_version}};
  doc["paths"] = std::move(sorted_paths);
  doc["components"] = Json{
      {"schemas", std::move(sorted_schemas)},
      {"securitySchemes",
       {{"BearerToken",
         {{"type", "apiKey"}, {"description", "Bearer Token authentication"}, {"name", "authorization"},
          {"in", "header"}}}}}};
  return doc;
}

std::string OpenApiHash(const std::string& document_wire) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (uint8_t b : Sha256(document_wire)) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Json OpenApiIndex(const ResourceRegistry& registry, const std::string& mount_prefix,
                  const std::string& kubernetes_version) {
  Json paths = Json::object();
  for (const auto& [path, gv] : ServedGroupVersions(registry)) {
    auto doc = OpenApiGroupVersionDocument(registry, path, kubernetes_version);
    if (!doc) continue;
    paths[path] = Json{{"serverRelativeURL", absl::StrCat(mount_prefix, "/openapi/v3/", path,
                                                          "?hash=", OpenApiHash(WireDump(*doc)))}};
  }
  return Json{{"paths", std::move(paths)}};
}

ApiResponse ServeOpenApiV3(const ResourceRegistry& registry, const ApiRequest& request, const std::string& gv_path,
                           const std::string& hash_param, const std::string& kubernetes_version,
                           std::chrono::system_clock::time_point now) {
  std::string body;
  if (gv_path.empty()) {
    body = WireDump(OpenApiIndex(registry, request.mount_prefix, kubernetes_version));
  } else {
    auto doc = OpenApiGroupVersionDocument(registry, gv_path, kubernetes_version);
    if (!doc) return Plain(404, "404 page not found\n");
    body = WireDump(*doc);
  }
  if (!AcceptsJson(request)) return Plain(406, "");
  const std::string etag = OpenApiHash(body);
  ApiResponse r;
  r.headers = {{"Content-Type", "application/json"}, {"Etag", absl::StrCat("\"", etag, "\"")}, {"Vary", "Accept"}};
  if (!gv_path.empty() && !hash_param.empty()) {
    if (hash_param != etag) {
      // A stale link: the real handler redirects to the current content.
      r.status = 301;
      r.headers.emplace_back("Location",
                             absl::StrCat(request.mount_prefix, "/openapi/v3/", gv_path, "?hash=", etag));
      r.body = "";
      return r;
    }
    r.headers.emplace_back("Cache-Control", "public, immutable");
    r.headers.emplace_back("Expires", HttpDate(now + std::chrono::hours(24 * 365)));
  }
  if (request.Header("if-none-match") == absl::StrCat("\"", etag, "\"")) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = std::move(body);
  return r;
}

}  // namespace srfleet::kubesim
