#include "shared/kubesim/openapi_paths.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/kubesim/openapi_parameters.h"

namespace srfleet::kubesim {
namespace {

constexpr char kSchemas[] = "#/components/schemas/";
constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";

// The query parameters of a list (and of the /watch/ paths).
const std::vector<std::string>& ListParameters() {
  static const auto* names = new std::vector<std::string>{
      "allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
      "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"};
  return *names;
}

Json Ref(const std::string& schema) { return Json{{"$ref", kSchemas + schema}}; }

Json Content(const std::string& schema, bool stream) {
  Json content = Json::object();
  content["application/json"] = Json{{"schema", Ref(schema)}};
  if (stream) content["application/json;stream=watch"] = Json{{"schema", Ref(schema)}};
  return content;
}

Json Responses(const std::string& schema, const std::vector<int>& codes, bool stream = false) {
  Json responses = Json::object();
  for (int code : codes) {
    const char* text = code == 201 ? "Created" : code == 202 ? "Accepted" : "OK";
    responses[std::to_string(code)] = Json{{"description", text}, {"content", Content(schema, stream)}};
  }
  responses["401"] = Json{{"description", "Unauthorized"}};
  return responses;
}

Json Params(const std::vector<std::string>& names, bool apply_manager = false) {
  Json out = Json::array();
  for (const auto& n : names) out.push_back(QueryParameter(n, apply_manager));
  return out;
}

// Everything one resource's operations share.
struct Builder {
  const OpenApiKind& k;
  const ResourceType& t;
  bool crd_style;  // custom resources: no /watch/ paths, CRD operation ids
  std::string tag;
  std::string id_prefix;  // "AppsV1"

  Json Op(const std::string& verb, const std::string& id_rest, const std::string& description) const {
    Json op = Json::object();
    op["tags"] = Json::array({tag});
    op["description"] = description;
    op["operationId"] = verb + id_prefix + id_rest;
    return op;
  }
  // After parameters, body and responses, as in the real documents. The GVK
  // extension is what clients match operations by.
  void Finish(Json& op, const std::string& action) const {
    op["x-kubernetes-action"] = action;
    op["x-kubernetes-group-version-kind"] = Json{{"group", t.group}, {"version", k.version}, {"kind", t.kind}};
  }
  std::string Scope() const { return t.namespaced ? "Namespaced" : ""; }
};

// "a Deployment", "an Ingress" (the API installer's article rule).
std::string WithArticle(const std::string& kind) {
  const char c = kind.empty() ? 'x' : static_cast<char>(std::tolower(static_cast<unsigned char>(kind[0])));
  return (std::string("aeiou").find(c) != std::string::npos ? "an " : "a ") + kind;
}

std::string Root(const ResourceType& t, const std::string& version) {
  return t.group.empty() ? "/api/" + version : absl::StrCat("/apis/", t.group, "/", version);
}

void AddCollection(const Builder& b, const std::string& path, Json& paths) {
  const ResourceType& t = b.t;
  Json item = Json::object();
  Json list = b.Op("list", b.Scope() + t.kind, "list or watch objects of kind " + t.kind);
  if (b.crd_style) list["description"] = "list objects of kind " + t.kind;
  list["parameters"] = Params(ListParameters());
  list["responses"] = Responses(b.k.list_schema_name, {200}, true);
  b.Finish(list, "list");
  item["get"] = std::move(list);

  Json create = b.Op("create", b.Scope() + t.kind, "create " + WithArticle(t.kind));
  create["parameters"] = Params({"dryRun", "fieldManager", "fieldValidation"});
  create["requestBody"] = Json{{"content", {{"*/*", {{"schema", Ref(b.k.schema_name)}}}}}};
  create["responses"] = Responses(b.k.schema_name, {200, 201, 202});
  b.Finish(create, "post");
  item["post"] = std::move(create);

  if (t.deletecollection) {
    const std::string verb = b.crd_style ? "deletecollection" : "delete";
    const std::string rest = b.crd_style ? b.Scope() + t.kind : "Collection" + b.Scope() + t.kind;
    Json del = b.Op(verb, rest, "delete collection of " + t.kind);
    del["parameters"] = Params({"continue", "dryRun", "fieldSelector", "gracePeriodSeconds", "labelSelector", "limit",
                                "orphanDependents", "propagationPolicy", "resourceVersion", "resourceVersionMatch",
                                "sendInitialEvents", "timeoutSeconds"});
    del["requestBody"] = Json{{"content", {{"*/*", {{"schema", Ref(std::string(kMeta) + "DeleteOptions")}}}}}};
    del["responses"] = Responses(std::string(kMeta) + "Status", {200});
    b.Finish(del, "deletecollection");
    item["delete"] = std::move(del);
  }
  Json params = Json::array();
  if (t.namespaced) params.push_back(NamespacePathParameter());
  params.push_back(QueryParameter("pretty"));
  item["parameters"] = std::move(params);
  paths[path] = std::move(item);
}

// kube-apiserver lists apply, JSON patch, merge patch and (for built-ins)
// strategic merge patch. kubesim leaves strategic merge out: kubectl's apply
// computes a strategic patch from the OpenAPI schema when it is listed, and
// kubesim's schemas for built-in kinds carry no field metadata, so kubectl
// would warn and fall back anyway. Without it kubectl goes straight to the
// patch metadata compiled into it, which is what the real schema encodes.
Json PatchBody() {
  Json content = Json::object();
  for (const char* type : {"application/apply-patch+yaml", "application/json-patch+json",
                           "application/merge-patch+json"}) {
    content[type] = Json{{"schema", Ref(std::string(kMeta) + "Patch")}};
  }
  return Json{{"content", std::move(content)}};
}

void AddItem(const Builder& b, const std::string& path, bool status, Json& paths) {
  const ResourceType& t = b.t;
  const std::string what = status ? "status of " : "";
  const std::string suffix = status ? "Status" : "";
  Json item = Json::object();
  Json read = b.Op("read", b.Scope() + t.kind + suffix, "read " + what + "the specified " + t.kind);
  read["responses"] = Responses(b.k.schema_name, {200});
  b.Finish(read, "get");
  item["get"] = std::move(read);

  Json replace = b.Op("replace", b.Scope() + t.kind + suffix, "replace " + what + "the specified " + t.kind);
  replace["parameters"] = Params({"dryRun", "fieldManager", "fieldValidation"});
  replace["requestBody"] = Json{{"content", {{"*/*", {{"schema", Ref(b.k.schema_name)}}}}}};
  replace["responses"] = Responses(b.k.schema_name, {200, 201});
  b.Finish(replace, "put");
  item["put"] = std::move(replace);

  if (!status) {
    Json del = b.Op("delete", b.Scope() + t.kind, "delete " + WithArticle(t.kind));
    del["parameters"] = Params({"dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy"});
    del["requestBody"] = Json{{"content", {{"*/*", {{"schema", Ref(std::string(kMeta) + "DeleteOptions")}}}}}};
    del["responses"] = Responses(std::string(kMeta) + "Status", {200, 202});
    b.Finish(del, "delete");
    item["delete"] = std::move(del);
  }

  Json patch = b.Op("patch", b.Scope() + t.kind + suffix, "partially update " + what + "the specified " + t.kind);
  patch["parameters"] = Params({"dryRun", "fieldManager", "fieldValidation", "force"}, true);
  patch["requestBody"] = PatchBody();
  patch["responses"] = Responses(b.k.schema_name, {200, 201});
  b.Finish(patch, "patch");
  item["patch"] = std::move(patch);

  Json params = Json::array({NamePathParameter(t.kind)});
  if (t.namespaced) params.push_back(NamespacePathParameter());
  params.push_back(QueryParameter("pretty"));
  item["parameters"] = std::move(params);
  paths[path] = std::move(item);
}

// The deprecated /watch/ paths: all parameters at path level, sorted.
void AddWatch(const Builder& b, const std::string& path, const std::string& id_rest, bool single, bool ns,
              Json& paths) {
  const ResourceType& t = b.t;
  const std::string description =
      single ? "watch changes to an object of kind " + t.kind +
                   ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single "
                   "item with the 'fieldSelector' parameter."
             : "watch individual changes to a list of " + t.kind +
                   ". deprecated: use the 'watch' parameter with a list operation instead.";
  Json op = b.Op("watch", id_rest, description);
  op["responses"] = Responses(std::string(kMeta) + "WatchEvent", {200}, true);
  b.Finish(op, single ? "watch" : "watchlist");
  std::vector<std::string> names = ListParameters();
  names.push_back("pretty");
  if (single) names.push_back("name");
  if (ns) names.push_back("namespace");
  std::sort(names.begin(), names.end());
  Json params = Json::array();
  for (const auto& n : names) {
    if (n == "name") {
      params.push_back(NamePathParameter(t.kind));
    } else if (n == "namespace") {
      params.push_back(NamespacePathParameter());
    } else {
      params.push_back(QueryParameter(n));
    }
  }
  paths[path] = Json{{"get", std::move(op)}, {"parameters", std::move(params)}};
}

}  // namespace

std::string OperationIdWord(const std::string& s, bool capitalize_first) {
  // kube-openapi's ToValidOperationID: letters kept, separators capitalise
  // the next letter, digits kept except in front.
  std::string out;
  bool capitalize = capitalize_first;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalpha(c) || c == '_' || (i != 0 && std::isdigit(c))) {
      out.push_back(capitalize ? static_cast<char>(std::toupper(c)) : static_cast<char>(c));
      capitalize = false;
    } else {
      capitalize = true;
    }
  }
  return out;
}

std::string GroupWord(const std::string& group) {
  std::string g = group.empty() ? "core" : group;
  if (absl::EndsWith(g, ".k8s.io")) g.resize(g.size() - 7);
  return g;
}

void AddResourcePaths(const OpenApiKind& kind, Json& paths) {
  const ResourceType& t = *kind.type;
  const std::string group = GroupWord(t.group);
  Builder b{kind, t, t.unstructured, OperationIdWord(group, false) + "_" + OperationIdWord(kind.version, false),
            OperationIdWord(group, true) + OperationIdWord(kind.version, true)};
  const std::string root = Root(t, kind.version);
  const std::string scoped = t.namespaced ? root + "/namespaces/{namespace}/" + t.resource : root + "/" + t.resource;

  if (t.namespaced) {
    // List across namespaces: parameters at path level, GET only.
    Json list = b.Op("list", t.kind + "ForAllNamespaces", "list or watch objects of kind " + t.kind);
    if (b.crd_style) list["description"] = "list objects of kind " + t.kind;
    list["responses"] = Responses(kind.list_schema_name, {200}, true);
    b.Finish(list, "list");
    std::vector<std::string> names = ListParameters();
    names.push_back("pretty");
    std::sort(names.begin(), names.end());
    Json params = Json::array();
    for (const auto& n : names) params.push_back(QueryParameter(n));
    paths[root + "/" + t.resource] = Json{{"get", std::move(list)}, {"parameters", std::move(params)}};
  }
  AddCollection(b, scoped, paths);
  AddItem(b, scoped + "/{name}", false, paths);
  if (t.status_subresource) AddItem(b, scoped + "/{name}/status", true, paths);
  if (b.crd_style) return;  // the CRD handler publishes no /watch/ paths

  const std::string watch = root + "/watch";
  if (t.namespaced) {
    const std::string ns_path = watch + "/namespaces/{namespace}/" + t.resource;
    AddWatch(b, ns_path, "Namespaced" + t.kind + "List", false, true, paths);
    AddWatch(b, ns_path + "/{name}", "Namespaced" + t.kind, true, true, paths);
    AddWatch(b, watch + "/" + t.resource, t.kind + "ListForAllNamespaces", false, false, paths);
  } else {
    AddWatch(b, watch + "/" + t.resource, t.kind + "List", false, false, paths);
    AddWatch(b, watch + "/" + t.resource + "/{name}", t.kind, true, false, paths);
  }
}

Json ApiResourcesPathItem(const std::string& group, const std::string& version) {
  const std::string g = GroupWord(group);
  Json op = Json::object();
  op["tags"] = Json::array({OperationIdWord(g, false) + "_" + OperationIdWord(version, false)});
  op["description"] = "get available resources";
  op["operationId"] = "get" + OperationIdWord(g, true) + OperationIdWord(version, true) + "APIResources";
  op["responses"] = Responses(std::string(kMeta) + "APIResourceList", {200});
  return Json{{"get", std::move(op)}};
}

}  // namespace srfleet::kubesim
