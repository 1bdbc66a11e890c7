#include "shared/kubesim/crd_definition.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "shared/kubesim/json_access.h"

namespace srfleet::kubesim {
namespace {

constexpr char kCrdGroup[] = "apiextensions.k8s.io";
constexpr char kCrdKind[] = "CustomResourceDefinition";

// Kubernetes version priority: GA > beta > alpha, higher numbers first,
// anything unparseable last in lexical order.
std::tuple<int, int, int, std::string> VersionRank(const std::string& v) {
  size_t i = 0;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return {3, 0, 0, v};
  i = 1;
  int major = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) major = major * 10 + (v[i++] - '0');
  if (i == v.size()) return {0, -major, 0, v};
  int stage = 0;
  if (v.compare(i, 5, "alpha") == 0) {
    stage = 2;
    i += 5;
  } else if (v.compare(i, 4, "beta") == 0) {
    stage = 1;
    i += 4;
  } else {
    return {3, 0, 0, v};
  }
  int minor = 0;
  bool digits = false;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    minor = minor * 10 + (v[i++] - '0');
    digits = true;
  }
  if (!digits || i != v.size()) return {3, 0, 0, v};
  return {stage, -major, -minor, v};
}

std::vector<std::string> StringList(const Json* v) {
  std::vector<std::string> out;
  if (v && v->is_array()) {
    for (const auto& s : *v) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

// The server defaults spec.conversion; stored specs carry it.
Json DefaultedSpec(const Json& spec) {
  Json out = spec;
  if (out.is_object() && !Child(out, "conversion")) out["conversion"] = Json{{"strategy", "None"}};
  return out;
}

FieldProblem Required(const std::string& field) { return {FieldProblem::Type::kRequired, field, "", ""}; }

absl::Status Invalid(const std::string& name, std::vector<FieldProblem> problems) {
  return InvalidError(kCrdKind, kCrdGroup, name, problems);
}

absl::StatusOr<std::shared_ptr<CrdDefinition>> Compile(const Json& crd) {
  const std::string name = MetaString(crd, "name");
  const Json* spec = Child(crd, "spec");
  if (!spec || !spec->is_object()) return Invalid(name, {Required("spec")});
  std::vector<FieldProblem> problems;
  std::string group = ChildString(*spec, "group");
  const Json* names = Child(*spec, "names");
  std::string plural = names ? ChildString(*names, "plural") : "";
  std::string kind = names ? ChildString(*names, "kind") : "";
  if (group.empty()) problems.push_back(Required("spec.group"));
  if (plural.empty()) problems.push_back(Required("spec.names.plural"));
  if (kind.empty()) problems.push_back(Required("spec.names.kind"));
  if (!group.empty() && !plural.empty() && name != plural + "." + group) {
    problems.push_back({FieldProblem::Type::kInvalid, "metadata.name", GoQuote(name),
                        "must be spec.names.plural+\".\"+spec.group"});
  }
  std::string scope = ChildString(*spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster") {
    problems.push_back({FieldProblem::Type::kNotSupported, "spec.scope", GoQuote(scope),
                        "\"Cluster\", \"Namespaced\""});
  }
  const Json* versions = Child(*spec, "versions");
  if (!versions || !versions->is_array() || versions->empty()) {
    problems.push_back(Required("spec.versions"));
  }
  if (!problems.empty()) return Invalid(name, problems);

  auto def = std::make_shared<CrdDefinition>();
  def->name = name;
  def->spec = DefaultedSpec(*spec);
  ResourceType* type = &def->type;
  type->group = group;
  type->resource = plural;
  type->kind = kind;
  type->singular = ChildString(*names, "singular");
  if (type->singular.empty()) type->singular = absl::AsciiStrToLower(kind);
  type->list_kind = ChildString(*names, "listKind");
  if (type->list_kind.empty()) type->list_kind = kind + "List";
  type->namespaced = scope == "Namespaced";
  type->has_generation = true;
  type->unstructured = true;
  type->short_names = StringList(Child(*names, "shortNames"));
  type->categories = StringList(Child(*names, "categories"));

  struct Served {
    std::string name;
    const schema::SchemaNode* schema;
  };
  std::vector<Served> served;
  int storage_count = 0;
  for (size_t i = 0; i < versions->size(); ++i) {
    const Json& v = (*versions)[i];
    std::string vname = ChildString(v, "name");
    std::string where = absl::StrCat("spec.versions[", i, "]");
    if (vname.empty()) {
      problems.push_back(Required(where + ".name"));
      continue;
    }
    const Json* storage = Child(v, "storage");
    if (storage && storage->is_boolean() && storage->get<bool>()) {
      ++storage_count;
      type->storage_version = vname;
    }
    const schema::SchemaNode* node = nullptr;
    const Json* s = Child(v, "schema");
    const Json* open_api = s ? Child(*s, "openAPIV3Schema") : nullptr;
    if (open_api) {
      auto compiled = def->library.Compile(*open_api);
      if (!compiled.ok()) {
        problems.push_back({FieldProblem::Type::kInvalid, where + ".schema.openAPIV3Schema", "\"object\"",
                            std::string(compiled.status().message())});
        continue;
      }
      node = *compiled;
    }
    if (const Json* sub = Child(v, "subresources"); sub && Child(*sub, "status")) type->status_subresource = true;
    const Json* is_served = Child(v, "served");
    if (is_served && is_served->is_boolean() && is_served->get<bool>()) served.push_back({vname, node});
  }
  if (storage_count != 1) {
    problems.push_back({FieldProblem::Type::kInvalid, "spec.versions", "\"array\"",
                        "must have exactly one version marked as storage version"});
  }
  if (!problems.empty()) return Invalid(name, problems);
  std::stable_sort(served.begin(), served.end(),
                   [](const Served& a, const Served& b) { return VersionRank(a.name) < VersionRank(b.name); });
  for (const auto& s : served) {
    type->versions.push_back(s.name);
    type->schemas.push_back(s.schema);
  }
  def->spec_wire = WireDump(def->spec);
  return def;
}

struct InternTable {
  absl::Mutex mu;
  absl::flat_hash_map<size_t, std::vector<std::weak_ptr<const CrdDefinition>>> by_hash ABSL_GUARDED_BY(mu);
};

InternTable& Table() {
  static InternTable* table = new InternTable();  // process lifetime
  return *table;
}

std::shared_ptr<const ResourceType> MakeLoose(const char* group, const char* version, const char* resource,
                                              const char* kind, bool namespaced, std::vector<std::string> short_names,
                                              AddOn add_on) {
  // One preserve-unknown-fields schema for all stand-ins.
  static schema::SchemaLibrary* library = new schema::SchemaLibrary();
  static const schema::SchemaNode* node = [] {
    auto compiled = library->Compile(Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}});
    return compiled.ok() ? *compiled : nullptr;
  }();
  auto t = std::make_shared<ResourceType>();
  t->group = group;
  t->versions = {version};
  t->storage_version = version;
  t->resource = resource;
  t->kind = kind;
  t->singular = absl::AsciiStrToLower(kind);
  t->list_kind = std::string(kind) + "List";
  t->namespaced = namespaced;
  t->status_subresource = true;
  t->has_generation = true;
  t->unstructured = true;
  t->short_names = std::move(short_names);
  t->schemas = {node};
  t->add_on = add_on;
  return t;
}

}  // namespace

const std::vector<std::shared_ptr<const ResourceType>>& LooseAddOnTypes() {
  static const auto* types = new std::vector<std::shared_ptr<const ResourceType>>{
      MakeLoose("route.openshift.io", "v1", "routes", "Route", true, {}, AddOn::kOpenShift),
      MakeLoose("gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass", false, {"gc"},
                AddOn::kGatewayApi),
      MakeLoose("gateway.networking.k8s.io", "v1", "gateways", "Gateway", true, {"gtw"}, AddOn::kGatewayApi),
      MakeLoose("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true, {}, AddOn::kGatewayApi),
      MakeLoose("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", true, {"isvc"},
                AddOn::kKServe),
  };
  return *types;
}

absl::StatusOr<std::shared_ptr<const CrdDefinition>> InternCrd(const Json& crd) {
  const Json* spec = Child(crd, "spec");
  const std::string name = MetaString(crd, "name");
  const Json defaulted = spec ? DefaultedSpec(*spec) : Json();
  const std::string key = WireDump(defaulted);
  const size_t hash = std::hash<std::string>{}(key);
  InternTable& table = Table();
  {
    absl::MutexLock lock(&table.mu);
    auto& bucket = table.by_hash[hash];
    for (auto it = bucket.begin(); it != bucket.end();) {
      auto def = it->lock();
      if (!def) {
        it = bucket.erase(it);
        continue;
      }
      if (def->name == name && def->spec_wire == key) return def;
      ++it;
    }
  }
  // Compile outside the lock: large schemas take a while. Two clusters
  // racing on the same CRD both compile; both results are valid.
  auto compiled = Compile(crd);
  if (!compiled.ok()) return compiled.status();
  std::shared_ptr<const CrdDefinition> shared = std::move(*compiled);
  absl::MutexLock lock(&table.mu);
  table.by_hash[hash].push_back(shared);
  return shared;
}

std::shared_ptr<const ResourceType> ServableType(std::shared_ptr<const CrdDefinition> def) {
  auto type = std::make_shared<ResourceType>(def->type);
  type->crd = std::move(def);
  return type;
}

Json EstablishedCrdStatus(const CrdDefinition& def, const std::string& now) {
  const ResourceType& t = def.type;
  Json accepted = Json::object();
  accepted["plural"] = t.resource;
  accepted["singular"] = t.singular;
  if (!t.short_names.empty()) accepted["shortNames"] = t.short_names;
  accepted["kind"] = t.kind;
  accepted["listKind"] = t.list_kind;
  if (!t.categories.empty()) accepted["categories"] = t.categories;
  Json status = Json::object();
  status["conditions"] = Json::array(
      {Json{{"type", "NamesAccepted"},
            {"status", "True"},
            {"lastTransitionTime", now},
            {"reason", "NoConflicts"},
            {"message", "no conflicts found"}},
       Json{{"type", "Established"},
            {"status", "True"},
            {"lastTransitionTime", now},
            {"reason", "InitialNamesAccepted"},
            {"message", "the initial names have been accepted"}}});
  status["acceptedNames"] = std::move(accepted);
  status["storedVersions"] = Json::array({t.storage_version});
  return status;
}

}  // namespace srfleet::kubesim
