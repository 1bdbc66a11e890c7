// deploy/: what `kubectl kustomize` makes of the kustomize directories,
// checked as an API server with strict field validation would take it, plus
// the promises the manifests make.
//
// Rendered: deploy/agent, deploy/hub, deploy/single-cluster,
// deploy/hub/observability, deploy/agent/observability, and deploy/hub with
// the components of deploy/components (hub-fsgroup, hub-loadbalancer,
// hub-openshift-route) as deploy/README.md combines them, in overlays written
// to a temporary directory. Skips when kubectl is not on PATH.
//
// Schemas (skipped with a message without ../shared/reference):
//   - built-in kinds: the Kubernetes OpenAPI v3 documents in
//     reference/k8s-openapi-v3 (v1, apps/v1, networking.k8s.io/v1, policy/v1, ...);
//   - SemanticRouter: crds/semanticrouters.vllm.ai.yaml; ServiceMonitor:
//     reference/crds/monitoring/monitoring.coreos.com_servicemonitors.yaml;
//     Route: reference/crds/openshift/routes.crd.yaml;
//   - by shape only, because the reference folder holds no schema for them:
//     rbac.authorization.k8s.io/v1 (Role, ClusterRole and their bindings),
//     apiextensions.k8s.io/v1 CustomResourceDefinition (also compiled as a CRD
//     and compared with crds/), and monitoring.coreos.com/v1 PrometheusRule
//     (the Prometheus Operator's PrometheusRule CRD is not in
//     reference/crds/monitoring). The shapes below are transcribed from the
//     upstream Go types and are strict: an unknown field fails.
//   - every object's metadata against ObjectMeta (CRD schemas leave it to the
//     API server).
//
// Promises: every container has the restricted securityContext (the
// Kubernetes "restricted" Pod Security Standard and OpenShift's
// restricted-v2 SCC: no runAsUser/fsGroup in the bases); nothing lands in the
// default namespace; references resolve inside each render (service
// accounts, claims, Service -> pods and ports, ServiceMonitor -> Service,
// NetworkPolicy and PDB -> pods, Route -> Service); flags passed to the
// binaries exist in their main.cc and agree with the mounts and ports; the
// single-cluster overlay has exactly one Namespace and points the agent at the
// hub Service of the same render; the README's uninstall label selector takes
// everything but the CRD and the Namespace; alerts and dashboard panels only
// name metrics the binaries export.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "shared/json/yaml_codec.h"
#include "shared/schema/schema_library.h"
#include "shared/schema/schema_validator.h"
#include "tests/support/test_files.h"

extern char** environ;

namespace srfleet::deploy_test {
namespace {

namespace fs = std::filesystem;
using ::testing::IsEmpty;
using testing_support::ReadFile;
using testing_support::ReferenceDir;
using testing_support::SourceDir;

constexpr char kNamespace[] = "srfleet-system";
constexpr char kAgentImage[] = "ghcr.io/vllm-project/srfleet-agent:0.1.0";
constexpr char kHubImage[] = "ghcr.io/vllm-project/srfleet-hub:0.1.0";
// Secrets the user creates (deploy/README.md); the renders only refer to them.
const std::set<std::string> kUserSecrets = {"srfleet-hub-tls", "srfleet-agent-hub-tls", "srfleet-agent-hub"};

// ---- running kubectl -------------------------------------------------------------

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    fs::path candidate = fs::path(std::string(dir)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv with stdout/stderr into files of `scratch`; kills it after 60 s.
RunResult Run(const std::vector<std::string>& args, const fs::path& scratch) {
  RunResult result;
  const fs::path out = scratch / "stdout", err = scratch / "stderr";
  std::vector<std::string> argv_s = args;
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = absl::StrCat("posix_spawn ", args[0], " failed: ", rc);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return result;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);  // the child this test started
      ::waitpid(pid, &status, 0);
      result.err = "timed out: " + absl::StrJoin(args, " ");
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

// ---- the renders -----------------------------------------------------------------

struct Render {
  std::string name;   // "deploy/agent", ...
  std::string error;  // kubectl's or the YAML parser's complaint
  std::vector<Json> objects;
};

// Overlays as deploy/README.md tells users to write them: a base plus
// components, written to a temporary directory. Named "<base> + <component>...".
constexpr char kFsGroupOverlay[] = "deploy/hub + deploy/components/hub-fsgroup";
constexpr char kKubernetesFleetHub[] =
    "deploy/hub + deploy/components/hub-fsgroup + deploy/components/hub-loadbalancer";
constexpr char kOpenShiftFleetHub[] = "deploy/hub + deploy/components/hub-openshift-route";

class Renders {
 public:
  static Renders& Get() {
    static Renders* instance = new Renders();  // once per binary
    return *instance;
  }
  const std::string& kubectl() const { return kubectl_; }

  const Render& Of(const std::string& name) {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    Render& r = cache_[name];
    r.name = name;
    fs::path dir = SourceDir() / name;
    if (absl::StrContains(name, " + ")) {
      dir = scratch_ / absl::StrCat("overlay-", cache_.size());
      fs::create_directories(dir);
      const std::vector<std::string> parts = absl::StrSplit(name, " + ");
      std::string text =
          absl::StrCat("resources:\n  - ", fs::relative(SourceDir() / parts[0], dir).string(), "\ncomponents:\n");
      for (size_t i = 1; i < parts.size(); ++i) {
        absl::StrAppend(&text, "  - ", fs::relative(SourceDir() / parts[i], dir).string(), "\n");
      }
      testing_support::WriteFile(dir / "kustomization.yaml", text);
    }
    RunResult run = Run({kubectl_, "kustomize", dir.string()}, scratch_);
    if (run.exit_code != 0) {
      r.error = absl::StrCat("kubectl kustomize ", name, " failed (exit ", run.exit_code, "): ", run.err);
      return r;
    }
    auto docs = ParseYamlDocuments(run.out);
    if (!docs.ok()) {
      r.error = absl::StrCat("the output of kubectl kustomize ", name, " is not YAML: ", docs.status().ToString());
      return r;
    }
    r.objects = *std::move(docs);
    if (r.objects.empty()) r.error = "kubectl kustomize " + name + " rendered nothing";
    return r;
  }

 private:
  Renders() {
    kubectl_ = FindOnPath("kubectl");
    char tmpl[] = "/tmp/deploy_kustomize_XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) {
      scratch_ = tmpl;
      std::atexit([] {  // ctest runs each test in its own process: clean up after each
        std::error_code ec;
        fs::remove_all(Renders::Get().scratch_, ec);
      });
    }
  }
  std::string kubectl_;
  fs::path scratch_;
  std::map<std::string, Render> cache_;
};

// Renders `name`, or skips/fails the calling test.
#define RENDER_OR_RETURN(var, name)                                \
  if (Renders::Get().kubectl().empty()) {                          \
    GTEST_SKIP() << "kubectl is not on PATH; skipping " << (name); \
  }                                                                \
  const Render& var = Renders::Get().Of(name);                     \
  ASSERT_THAT(var.error, IsEmpty())

const std::vector<std::string>& AllRenders() {
  static const std::vector<std::string> all = {"deploy/agent",
                                               "deploy/hub",
                                               "deploy/single-cluster",
                                               "deploy/hub/observability",
                                               "deploy/agent/observability",
                                               kFsGroupOverlay,
                                               kKubernetesFleetHub,
                                               kOpenShiftFleetHub};
  return all;
}

// ---- object helpers --------------------------------------------------------------

std::string Str(const Json& o, const Json::json_pointer& p) {
  return o.contains(p) && o.at(p).is_string() ? o.at(p).get<std::string>() : "";
}
std::string KindOf(const Json& o) { return o.value("kind", ""); }
std::string NameOf(const Json& o) { return Str(o, "/metadata/name"_json_pointer); }
std::string NamespaceOf(const Json& o) { return Str(o, "/metadata/namespace"_json_pointer); }
// A label's value ("" when absent); label keys may hold '/', so no JSON pointer.
std::string LabelOf(const Json& o, const std::string& key) {
  if (!o.contains("metadata") || !o["metadata"].contains("labels")) return "";
  const Json& labels = o["metadata"]["labels"];
  return labels.contains(key) && labels[key].is_string() ? labels[key].get<std::string>() : "";
}
std::string Describe(const Json& o) { return absl::StrCat(KindOf(o), " ", NamespaceOf(o), "/", NameOf(o)); }

std::vector<const Json*> OfKind(const Render& r, const std::string& kind) {
  std::vector<const Json*> out;
  for (const auto& o : r.objects) {
    if (KindOf(o) == kind) out.push_back(&o);
  }
  return out;
}

const Json* Find(const Render& r, const std::string& kind, const std::string& name,
                 const std::string& ns = kNamespace) {
  for (const auto& o : r.objects) {
    if (KindOf(o) == kind && NameOf(o) == name && (ns.empty() || NamespaceOf(o) == ns)) return &o;
  }
  return nullptr;
}

bool IsClusterScoped(const std::string& kind) {
  static const std::set<std::string> kinds = {"Namespace", "CustomResourceDefinition", "ClusterRole",
                                              "ClusterRoleBinding"};
  return kinds.count(kind) > 0;
}

// matchLabels (and only matchLabels: the manifests use nothing else) against labels.
bool Selects(const Json& match_labels, const Json& labels) {
  if (!match_labels.is_object() || match_labels.empty() || !labels.is_object()) return false;
  for (const auto& [k, v] : match_labels.items()) {
    if (!labels.contains(k) || labels[k] != v) return false;
  }
  return true;
}

const Json& At(const Json& o, const Json::json_pointer& p) {
  static const Json kNull;
  return o.contains(p) ? o.at(p) : kNull;
}

const Json& PodTemplateLabels(const Json& deployment) {
  return At(deployment, "/spec/template/metadata/labels"_json_pointer);
}

std::vector<const Json*> Containers(const Json& deployment) {
  std::vector<const Json*> out;
  for (const char* field : {"containers", "initContainers"}) {
    const Json& list = At(deployment, Json::json_pointer(std::string("/spec/template/spec/") + field));
    if (!list.is_array()) continue;
    for (const auto& c : list) out.push_back(&c);
  }
  return out;
}

// "--name=value" flags of a container (the manifests use only that form).
std::map<std::string, std::string> Flags(const Json& container) {
  std::map<std::string, std::string> flags;
  for (const auto& a : container.value("args", Json::array())) {
    const std::string arg = a.get<std::string>();
    const size_t eq = arg.find('=');
    flags[arg.substr(0, eq)] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  return flags;
}

int PortOf(const std::string& host_port) {
  int port = -1;
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(host_port.substr(colon + 1), &port)) return -1;
  return port;
}

int ContainerPort(const Json& container, const std::string& name) {
  for (const auto& p : container.value("ports", Json::array())) {
    if (p.value("name", "") == name) return p.value("containerPort", -1);
  }
  return -1;
}

std::string MountPath(const Json& container, const std::string& volume) {
  for (const auto& m : container.value("volumeMounts", Json::array())) {
    if (m.value("name", "") == volume) return m.value("mountPath", "");
  }
  return "";
}

// ---- schemas ---------------------------------------------------------------------

constexpr char kObjectMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

// Shapes for kinds the reference folder has no schema for, transcribed from
// the upstream Go types (k8s.io/api/rbac/v1, k8s.io/apiextensions-apiserver
// apis/apiextensions/v1, prometheus-operator pkg/apis/monitoring/v1
// PrometheusRuleSpec). Strict: unknown fields are errors.
constexpr char kRbacShapes[] = R"({
  "PolicyRule": {"type": "object", "required": ["verbs"], "properties": {
    "verbs": {"type": "array", "items": {"type": "string"}},
    "apiGroups": {"type": "array", "items": {"type": "string"}},
    "resources": {"type": "array", "items": {"type": "string"}},
    "resourceNames": {"type": "array", "items": {"type": "string"}},
    "nonResourceURLs": {"type": "array", "items": {"type": "string"}}}},
  "Subject": {"type": "object", "required": ["kind", "name"], "properties": {
    "apiGroup": {"type": "string"}, "kind": {"type": "string", "enum": ["ServiceAccount", "User", "Group"]},
    "name": {"type": "string"}, "namespace": {"type": "string"}}},
  "RoleRef": {"type": "object", "required": ["apiGroup", "kind", "name"], "properties": {
    "apiGroup": {"type": "string", "enum": ["rbac.authorization.k8s.io"]},
    "kind": {"type": "string", "enum": ["Role", "ClusterRole"]}, "name": {"type": "string"}}}
})";

constexpr char kCrdShape[] = R"({"type": "object", "required": ["spec"], "properties": {
  "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
  "spec": {"type": "object", "required": ["group", "names", "scope", "versions"], "properties": {
    "group": {"type": "string"},
    "names": {"type": "object", "required": ["plural", "kind"], "properties": {
      "plural": {"type": "string"}, "singular": {"type": "string"}, "kind": {"type": "string"},
      "listKind": {"type": "string"},
      "shortNames": {"type": "array", "items": {"type": "string"}},
      "categories": {"type": "array", "items": {"type": "string"}}}},
    "scope": {"type": "string", "enum": ["Namespaced", "Cluster"]},
    "preserveUnknownFields": {"type": "boolean"},
    "conversion": {"type": "object", "properties": {
      "strategy": {"type": "string", "enum": ["None", "Webhook"]},
      "webhook": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
    "versions": {"type": "array", "minItems": 1, "items": {"type": "object",
      "required": ["name", "served", "storage"], "properties": {
        "name": {"type": "string"}, "served": {"type": "boolean"}, "storage": {"type": "boolean"},
        "deprecated": {"type": "boolean"}, "deprecationWarning": {"type": "string"},
        "schema": {"type": "object", "properties": {
          "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
        "subresources": {"type": "object", "properties": {
          "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
          "scale": {"type": "object", "required": ["specReplicasPath", "statusReplicasPath"], "properties": {
            "specReplicasPath": {"type": "string"}, "statusReplicasPath": {"type": "string"},
            "labelSelectorPath": {"type": "string"}}}}},
        "additionalPrinterColumns": {"type": "array", "items": {"type": "object",
          "required": ["name", "type", "jsonPath"], "properties": {
            "name": {"type": "string"}, "type": {"type": "string"}, "format": {"type": "string"},
            "description": {"type": "string"}, "priority": {"type": "integer"}, "jsonPath": {"type": "string"}}}},
        "selectableFields": {"type": "array", "items": {"type": "object", "required": ["jsonPath"],
          "properties": {"jsonPath": {"type": "string"}}}}}}}}}}})";

// Prometheus durations, as the PrometheusRule CRD's pattern.
constexpr char kDurationPattern[] =
    "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$";

std::string PrometheusRuleShape() {
  const std::string duration = absl::StrCat(R"({"type": "string", "pattern": ")", kDurationPattern, R"("})");
  const std::string string_map = R"({"type": "object", "additionalProperties": {"type": "string"}})";
  return absl::StrCat(R"({"type": "object", "required": ["spec"], "properties": {
    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
    "spec": {"type": "object", "properties": {"groups": {"type": "array", "items": {"type": "object",
      "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1}, "interval": )",
                      duration, R"(, "query_offset": )", duration,
                      R"(, "limit": {"type": "integer"}, "partial_response_strategy": {"type": "string"},
        "labels": )",
                      string_map, R"(,
        "rules": {"type": "array", "items": {"type": "object", "required": ["expr"], "properties": {
          "record": {"type": "string"}, "alert": {"type": "string"},
          "expr": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
          "for": )",
                      duration, R"(, "keep_firing_for": )", duration, R"(,
          "labels": )",
                      string_map, R"(, "annotations": )", string_map, R"(}}}}}}}}}})");
}

Json RbacKindShape(const std::string& kind, const Json& shapes) {
  const Json meta = {{"$ref", std::string("#/components/schemas/") + kObjectMeta}};
  Json props = {{"apiVersion", {{"type", "string"}}}, {"kind", {{"type", "string"}}}, {"metadata", meta}};
  Json required = Json::array();
  if (kind == "Role" || kind == "ClusterRole") {
    props["rules"] = {{"type", "array"}, {"items", shapes["PolicyRule"]}};
    if (kind == "ClusterRole") {
      props["aggregationRule"] = {
          {"type", "object"},
          {"properties",
           {{"clusterRoleSelectors",
             {{"type", "array"},
              {"items", {{"$ref", "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"}}}}}}}};
    }
  } else {
    props["subjects"] = {{"type", "array"}, {"items", shapes["Subject"]}};
    props["roleRef"] = shapes["RoleRef"];
    required.push_back("roleRef");
  }
  return {{"type", "object"}, {"properties", props}, {"required", required}};
}

class Schemas {
 public:
  static Schemas& Get() {
    static Schemas* instance = new Schemas();  // loaded once per binary
    return *instance;
  }
  bool available() const { return available_; }
  const std::string& why_not() const { return why_not_; }
  schema::SchemaLibrary& library() { return library_; }

  // The schema of an object's kind, whether it is a shape only and whether
  // it comes from a CRD.
  const schema::SchemaNode* For(const Json& object, bool* shape_only, bool* custom = nullptr) {
    const auto gvk = schema::GroupVersionKind::FromApiVersion(object.value("apiVersion", ""), KindOf(object));
    *shape_only = shapes_.count(gvk) > 0;
    if (custom != nullptr) *custom = custom_.count(gvk) > 0;
    if (*shape_only) return shapes_[gvk];
    return library_.Find(gvk);
  }

 private:
  Schemas() {
    const fs::path ref = ReferenceDir() / "reference";
    const fs::path openapi = ref / "k8s-openapi-v3";
    if (!fs::exists(openapi)) {
      why_not_ = absl::StrCat(openapi.string(), " not present");
      return;
    }
    for (const auto& e : fs::directory_iterator(openapi)) {
      if (e.path().filename() == "index.json" || e.path().extension() != ".json") continue;
      auto doc = Json::parse(ReadFile(e.path()), nullptr, false);
      if (doc.is_discarded() || !library_.AddOpenApiDocument(doc).ok()) ADD_FAILURE() << "cannot load " << e.path();
    }
    for (const fs::path& crd :
         {SourceDir() / "crds/semanticrouters.vllm.ai.yaml",
          ref / "crds/monitoring/monitoring.coreos.com_servicemonitors.yaml", ref / "crds/openshift/routes.crd.yaml"}) {
      auto docs = ParseYamlDocuments(ReadFile(crd));
      if (!docs.ok()) {
        ADD_FAILURE() << crd << ": " << docs.status();
        continue;
      }
      for (const auto& d : *docs) {
        if (auto st = library_.AddCustomResourceDefinition(d); !st.ok()) ADD_FAILURE() << crd << ": " << st;
        for (const auto& v : At(d, "/spec/versions"_json_pointer)) {
          custom_.insert(
              {Str(d, "/spec/group"_json_pointer), v.value("name", ""), Str(d, "/spec/names/kind"_json_pointer)});
        }
      }
    }
    const Json rbac = Json::parse(kRbacShapes);
    for (const char* kind : {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}) {
      AddShape({"rbac.authorization.k8s.io", "v1", kind}, RbacKindShape(kind, rbac));
    }
    AddShape({"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}, Json::parse(kCrdShape));
    AddShape({"monitoring.coreos.com", "v1", "PrometheusRule"}, Json::parse(PrometheusRuleShape()));
    available_ = true;
  }
  void AddShape(const schema::GroupVersionKind& gvk, const Json& shape) {
    auto node = library_.Compile(shape);
    if (!node.ok()) {
      ADD_FAILURE() << "shape of " << gvk.kind << ": " << node.status();
      return;
    }
    shapes_[gvk] = *node;
  }

  schema::SchemaLibrary library_;
  struct GvkLess {
    bool operator()(const schema::GroupVersionKind& a, const schema::GroupVersionKind& b) const {
      return std::tie(a.group, a.version, a.kind) < std::tie(b.group, b.version, b.kind);
    }
  };
  std::map<schema::GroupVersionKind, const schema::SchemaNode*, GvkLess> shapes_;
  std::set<schema::GroupVersionKind, GvkLess> custom_;
  bool available_ = false;
  std::string why_not_;
};

// As the API server takes a create with strict field validation: unknown
// fields are errors, values and rules are checked. Custom resources are
// defaulted from their schema first, as the server does (the Route's rules
// rely on its wildcardPolicy default); built-in kinds are defaulted in the
// server's code, not from their OpenAPI (whose `default: {}` on timestamps
// is no value to apply).
schema::FieldErrors ValidateStrict(const schema::SchemaNode& node, const Json& value, bool defaults = false) {
  Json copy = value;
  schema::ValidateOptions strict;
  strict.reject_unknown_fields = true;
  strict.apply_defaults = defaults;
  return schema::Validate(node, copy, strict);
}

// ---- every render ----------------------------------------------------------------

class EveryRender : public ::testing::TestWithParam<std::string> {};

std::string TestNameOf(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  if (absl::StartsWith(name, "deploy/")) name = name.substr(7);
  for (auto& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

TEST_P(EveryRender, EveryObjectMatchesItsSchema) {
  RENDER_OR_RETURN(render, GetParam());
  auto& schemas = Schemas::Get();
  if (!schemas.available()) {
    GTEST_SKIP() << "../shared/reference is needed for the schemas (" << schemas.why_not()
                 << "); skipping schema validation of " << GetParam();
  }
  const schema::SchemaNode* object_meta = schemas.library().FindComponent(kObjectMeta);
  ASSERT_NE(object_meta, nullptr);
  for (const auto& object : render.objects) {
    bool shape_only = false, custom = false;
    const schema::SchemaNode* node = schemas.For(object, &shape_only, &custom);
    ASSERT_NE(node, nullptr) << GetParam() << ": no schema for " << object.value("apiVersion", "") << " "
                             << Describe(object);
    auto errors = ValidateStrict(*node, object, custom);
    EXPECT_THAT(errors, IsEmpty()) << GetParam() << ": " << Describe(object) << (shape_only ? " (by shape)" : "")
                                   << ":\n"
                                   << schema::JoinFieldErrors(errors);
    auto meta_errors = ValidateStrict(*object_meta, At(object, "/metadata"_json_pointer));
    EXPECT_THAT(meta_errors, IsEmpty()) << GetParam() << ": " << Describe(object) << " metadata:\n"
                                        << schema::JoinFieldErrors(meta_errors);
    EXPECT_FALSE(NameOf(object).empty()) << GetParam() << ": an object without a name: " << object.dump();
  }
}

TEST_P(EveryRender, NothingLandsInTheDefaultNamespace) {
  RENDER_OR_RETURN(render, GetParam());
  for (const auto& object : render.objects) {
    if (IsClusterScoped(KindOf(object))) {
      EXPECT_EQ(NamespaceOf(object), "") << GetParam() << ": cluster-scoped " << Describe(object);
      continue;
    }
    // No namespace would mean kubectl's current one, usually "default".
    EXPECT_EQ(NamespaceOf(object), kNamespace) << GetParam() << ": " << Describe(object);
  }
}

TEST_P(EveryRender, NoObjectTwice) {
  RENDER_OR_RETURN(render, GetParam());
  std::set<std::string> seen;
  for (const auto& object : render.objects) {
    EXPECT_TRUE(seen.insert(object.value("apiVersion", "") + " " + Describe(object)).second)
        << GetParam() << ": twice: " << Describe(object);
  }
}

// deploy/README.md uninstalls the workloads with
// `kubectl delete -k <dir> -l app.kubernetes.io/name=srfleet-agent|srfleet-hub`, which must take
// everything but the CRD (deleting it deletes every router) and the Namespace.
TEST_P(EveryRender, UninstallSelectorTakesAllButTheCrdAndNamespace) {
  RENDER_OR_RETURN(render, GetParam());
  for (const auto& object : render.objects) {
    const std::string name = LabelOf(object, "app.kubernetes.io/name");
    EXPECT_EQ(LabelOf(object, "app.kubernetes.io/part-of"), "srfleet") << GetParam() << ": " << Describe(object);
    if (KindOf(object) == "CustomResourceDefinition" || KindOf(object) == "Namespace") {
      EXPECT_EQ(name, "") << GetParam() << ": " << Describe(object) << " would be deleted with the workloads";
    } else {
      EXPECT_TRUE(name == "srfleet-agent" || name == "srfleet-hub")
          << GetParam() << ": " << Describe(object) << " has app.kubernetes.io/name=" << name;
    }
  }
}

// The Kubernetes "restricted" Pod Security Standard, and what OpenShift's
// restricted-v2 SCC needs on top: no fixed UID, and no fsGroup (the SCC
// assigns both from the namespace's range) except through the Kubernetes-only
// hub-fsgroup component.
TEST_P(EveryRender, EveryContainerIsRestricted) {
  RENDER_OR_RETURN(render, GetParam());
  static const std::set<std::string> kRestrictedVolumes = {
      "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"};
  for (const Json* d : OfKind(render, "Deployment")) {
    const std::string what = GetParam() + ": " + Describe(*d);
    const Json& pod = At(*d, "/spec/template/spec"_json_pointer);
    const Json& pod_sc = pod.value("securityContext", Json::object());
    EXPECT_EQ(pod_sc.value("runAsNonRoot", false), true) << what;
    EXPECT_EQ(Str(pod_sc, "/seccompProfile/type"_json_pointer), "RuntimeDefault") << what;
    EXPECT_FALSE(pod_sc.contains("runAsUser")) << what << ": a fixed UID breaks OpenShift's restricted-v2 SCC";
    EXPECT_FALSE(pod_sc.contains("runAsGroup")) << what;
    if (absl::StrContains(GetParam(), "deploy/components/hub-fsgroup") && NameOf(*d) == "srfleet-hub") {
      EXPECT_EQ(pod_sc.value("fsGroup", 0), 65532) << what;
    } else {
      EXPECT_FALSE(pod_sc.contains("fsGroup")) << what << ": a fixed fsGroup breaks OpenShift's restricted-v2 SCC";
    }
    for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
      EXPECT_FALSE(pod.value(host, false)) << what << ": " << host;
    }
    for (const auto& v : pod.value("volumes", Json::array())) {
      int types = 0;
      for (const auto& [key, value] : v.items()) {
        if (key == "name") continue;
        ++types;
        EXPECT_TRUE(kRestrictedVolumes.count(key)) << what << ": volume " << v.value("name", "") << " is " << key;
      }
      EXPECT_EQ(types, 1) << what << ": volume " << v.dump();
    }
    const auto containers = Containers(*d);
    EXPECT_FALSE(containers.empty()) << what;
    for (const Json* c : containers) {
      const std::string cwhat = what + " container " + c->value("name", "");
      const Json& sc = c->value("securityContext", Json::object());
      EXPECT_EQ(sc.value("runAsNonRoot", false), true) << cwhat;
      EXPECT_EQ(sc.value("allowPrivilegeEscalation", true), false) << cwhat;
      EXPECT_EQ(sc.value("readOnlyRootFilesystem", false), true) << cwhat;
      EXPECT_EQ(sc.value("privileged", false), false) << cwhat;
      EXPECT_EQ(Str(sc, "/seccompProfile/type"_json_pointer), "RuntimeDefault") << cwhat;
      EXPECT_EQ(At(sc, "/capabilities/drop"_json_pointer), Json::array({"ALL"})) << cwhat;
      EXPECT_FALSE(sc.contains("/capabilities/add"_json_pointer)) << cwhat;
      EXPECT_FALSE(sc.contains("runAsUser")) << cwhat << ": a fixed UID breaks OpenShift's restricted-v2 SCC";
      for (const auto& p : c->value("ports", Json::array())) EXPECT_FALSE(p.contains("hostPort")) << cwhat;
      // Resources: requests and limits for CPU and memory.
      for (const char* kind : {"requests", "limits"}) {
        for (const char* res : {"cpu", "memory"}) {
          EXPECT_TRUE(c->contains(Json::json_pointer(absl::StrCat("/resources/", kind, "/", res))))
              << cwhat << ": resources." << kind << "." << res;
        }
      }
      EXPECT_TRUE(c->contains("livenessProbe")) << cwhat;
      EXPECT_TRUE(c->contains("readinessProbe")) << cwhat;
    }
  }
}

// Everything an object refers to is in the same render (or is a Secret the
// user creates, deploy/README.md).
TEST_P(EveryRender, ReferencesResolve) {
  RENDER_OR_RETURN(render, GetParam());
  for (const Json* d : OfKind(render, "Deployment")) {
    const std::string what = GetParam() + ": " + Describe(*d);
    const Json& pod = At(*d, "/spec/template/spec"_json_pointer);
    EXPECT_TRUE(Selects(At(*d, "/spec/selector/matchLabels"_json_pointer), PodTemplateLabels(*d))) << what;
    const std::string sa = pod.value("serviceAccountName", "");
    EXPECT_FALSE(sa.empty()) << what << ": no serviceAccountName";
    EXPECT_NE(Find(render, "ServiceAccount", sa, NamespaceOf(*d)), nullptr) << what << ": ServiceAccount " << sa;
    std::set<std::string> volumes;
    for (const auto& v : pod.value("volumes", Json::array())) {
      volumes.insert(v.value("name", ""));
      if (v.contains("persistentVolumeClaim")) {
        const std::string claim = Str(v, "/persistentVolumeClaim/claimName"_json_pointer);
        EXPECT_NE(Find(render, "PersistentVolumeClaim", claim, NamespaceOf(*d)), nullptr)
            << what << ": claim " << claim;
      }
      std::vector<std::pair<std::string, bool>> secrets;  // name, optional
      if (v.contains("secret")) {
        secrets.emplace_back(Str(v, "/secret/secretName"_json_pointer), At(v, "/secret/optional"_json_pointer) == true);
      }
      for (const auto& source : At(v, "/projected/sources"_json_pointer).is_array()
                                    ? At(v, "/projected/sources"_json_pointer)
                                    : Json::array()) {
        if (source.contains("secret")) {
          secrets.emplace_back(Str(source, "/secret/name"_json_pointer),
                               At(source, "/secret/optional"_json_pointer) == true);
        }
      }
      for (const auto& [name, optional] : secrets) {
        if (Find(render, "Secret", name, NamespaceOf(*d)) != nullptr) continue;
        EXPECT_TRUE(kUserSecrets.count(name)) << what << ": Secret " << name << " is neither rendered nor one the "
                                              << "user creates (deploy/README.md)";
      }
    }
    for (const Json* c : Containers(*d)) {
      for (const auto& m : c->value("volumeMounts", Json::array())) {
        EXPECT_TRUE(volumes.count(m.value("name", ""))) << what << ": mount of unknown volume " << m.dump();
      }
      for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
        const Json& port = At(*c, Json::json_pointer(absl::StrCat("/", probe, "/httpGet/port")));
        if (port.is_string()) {
          EXPECT_GT(ContainerPort(*c, port.get<std::string>()), 0) << what << ": " << probe;
        }
      }
    }
  }
  // Services select a Deployment's pods, and their named target ports exist.
  for (const Json* s : OfKind(render, "Service")) {
    const std::string what = GetParam() + ": " + Describe(*s);
    const Json* target = nullptr;
    for (const Json* d : OfKind(render, "Deployment")) {
      if (NamespaceOf(*d) == NamespaceOf(*s) && Selects(At(*s, "/spec/selector"_json_pointer), PodTemplateLabels(*d))) {
        EXPECT_EQ(target, nullptr) << what << ": selects two Deployments";
        target = d;
      }
    }
    ASSERT_NE(target, nullptr) << what << ": selects no Deployment's pods";
    for (const auto& p : At(*s, "/spec/ports"_json_pointer)) {
      if (!p.contains("targetPort") || !p["targetPort"].is_string()) continue;
      bool found = false;
      for (const Json* c : Containers(*target)) {
        found = found || ContainerPort(*c, p["targetPort"].get<std::string>()) > 0;
      }
      EXPECT_TRUE(found) << what << ": targetPort " << p["targetPort"];
    }
  }
  // ServiceMonitors select one Service of their namespace, by a port it has.
  for (const Json* m : OfKind(render, "ServiceMonitor")) {
    const std::string what = GetParam() + ": " + Describe(*m);
    EXPECT_FALSE(m->contains("/spec/namespaceSelector"_json_pointer)) << what;
    const Json* service = nullptr;
    for (const Json* s : OfKind(render, "Service")) {
      if (NamespaceOf(*s) == NamespaceOf(*m) &&
          Selects(At(*m, "/spec/selector/matchLabels"_json_pointer), At(*s, "/metadata/labels"_json_pointer))) {
        EXPECT_EQ(service, nullptr) << what << ": selects two Services";
        service = s;
      }
    }
    ASSERT_NE(service, nullptr) << what << ": selects no Service";
    const std::string job_label = Str(*m, "/spec/jobLabel"_json_pointer);
    EXPECT_FALSE(LabelOf(*service, job_label).empty()) << what << ": the Service has no label " << job_label;
    for (const auto& e : At(*m, "/spec/endpoints"_json_pointer)) {
      bool found = false;
      for (const auto& p : At(*service, "/spec/ports"_json_pointer))
        found = found || p.value("name", "") == e.value("port", "");
      EXPECT_TRUE(found) << what << ": endpoint port " << e.value("port", "");
      if (e.contains("tlsConfig")) {
        EXPECT_EQ(Str(e, "/tlsConfig/serverName"_json_pointer),
                  absl::StrCat(NameOf(*service), ".", NamespaceOf(*service), ".svc"))
            << what << ": the name Prometheus checks the certificate against";
        const std::string ca = Str(e, "/tlsConfig/ca/secret/name"_json_pointer);
        EXPECT_TRUE(Find(render, "Secret", ca, NamespaceOf(*m)) != nullptr || kUserSecrets.count(ca)) << what;
      }
    }
  }
  // NetworkPolicies and PodDisruptionBudgets select pods that exist, and the
  // ports a policy opens are the pods' ports.
  for (const char* kind : {"NetworkPolicy", "PodDisruptionBudget"}) {
    for (const Json* p : OfKind(render, kind)) {
      const std::string what = GetParam() + ": " + Describe(*p);
      const Json& selector = At(*p, std::string(kind) == "NetworkPolicy" ? "/spec/podSelector/matchLabels"_json_pointer
                                                                         : "/spec/selector/matchLabels"_json_pointer);
      const Json* target = nullptr;
      for (const Json* d : OfKind(render, "Deployment")) {
        if (NamespaceOf(*d) == NamespaceOf(*p) && Selects(selector, PodTemplateLabels(*d))) target = d;
      }
      ASSERT_NE(target, nullptr) << what << ": selects no Deployment's pods";
      for (const auto& rule :
           At(*p, "/spec/ingress"_json_pointer).is_array() ? At(*p, "/spec/ingress"_json_pointer) : Json::array()) {
        for (const auto& port : rule.value("ports", Json::array())) {
          bool found = false;
          for (const Json* c : Containers(*target)) {
            for (const auto& cp : c->value("ports", Json::array())) {
              found = found || cp.value("containerPort", -1) == port.value("port", -2) ||
                      cp.value("name", "") == port["port"];
            }
          }
          EXPECT_TRUE(found) << what << ": port " << port.dump() << " is not a port of the pods";
        }
      }
    }
  }
  // Routes lead to a Service of the render, by one of its port names, and
  // pass TLS through (the hub must see the agents' client certificates).
  for (const Json* route : OfKind(render, "Route")) {
    const std::string what = GetParam() + ": " + Describe(*route);
    const Json* service = Find(render, "Service", Str(*route, "/spec/to/name"_json_pointer), NamespaceOf(*route));
    ASSERT_NE(service, nullptr) << what;
    bool found = false;
    for (const auto& p : At(*service, "/spec/ports"_json_pointer)) {
      found = found || At(*route, "/spec/port/targetPort"_json_pointer) == p.value("name", "");
    }
    EXPECT_TRUE(found) << what << ": port " << At(*route, "/spec/port"_json_pointer).dump();
    EXPECT_EQ(Str(*route, "/spec/tls/termination"_json_pointer), "passthrough") << what;
  }
  // Role bindings name ServiceAccounts of the render.
  for (const char* kind : {"RoleBinding", "ClusterRoleBinding"}) {
    for (const Json* b : OfKind(render, kind)) {
      for (const auto& subject : At(*b, "/subjects"_json_pointer)) {
        if (subject.value("kind", "") != "ServiceAccount") continue;
        EXPECT_NE(Find(render, "ServiceAccount", subject.value("name", ""), subject.value("namespace", "")), nullptr)
            << GetParam() << ": " << Describe(*b) << " binds " << subject.dump();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Deploy, EveryRender, ::testing::ValuesIn(AllRenders()), TestNameOf);

// ---- the checker catches what it is there to catch --------------------------------

TEST(DeploySchemaChecker, ShapesAreStrict) {
  auto& schemas = Schemas::Get();
  if (!schemas.available()) GTEST_SKIP() << "../shared/reference not present";
  bool shape_only = false;
  Json rule = Json::parse(R"({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
    "metadata": {"name": "x"}, "spec": {"groups": [{"name": "g", "rules": [
      {"alert": "A", "expr": "up == 0", "for": "5 minutes", "severity": "page"}]}]}})");
  const schema::SchemaNode* node = schemas.For(rule, &shape_only);
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(shape_only);
  std::set<std::string> paths;
  for (const auto& e : ValidateStrict(*node, rule)) paths.insert(e.path);
  EXPECT_TRUE(paths.count("spec.groups[0].rules[0].for")) << absl::StrJoin(paths, ", ");
  EXPECT_TRUE(paths.count("spec.groups[0].rules[0].severity")) << absl::StrJoin(paths, ", ");

  Json role = Json::parse(R"({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
    "metadata": {"name": "x"}, "rules": [{"apiGroup": [""], "verbs": ["get"]}]})");
  node = schemas.For(role, &shape_only);
  ASSERT_NE(node, nullptr);
  paths.clear();
  for (const auto& e : ValidateStrict(*node, role)) paths.insert(e.path);
  EXPECT_TRUE(paths.count("rules[0].apiGroup")) << absl::StrJoin(paths, ", ");

  Json monitor = Json::parse(R"({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
    "metadata": {"name": "x"}, "spec": {"selector": {}, "endpoints": [{"port": "m", "schema": "https"}]}})");
  node = schemas.For(monitor, &shape_only);
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(shape_only);
  paths.clear();
  for (const auto& e : ValidateStrict(*node, monitor)) paths.insert(e.path);
  EXPECT_TRUE(paths.count("spec.endpoints[0].schema")) << absl::StrJoin(paths, ", ");

  const schema::SchemaNode* meta = schemas.library().FindComponent(kObjectMeta);
  ASSERT_NE(meta, nullptr);
  EXPECT_FALSE(ValidateStrict(*meta, Json::parse(R"({"name": "x", "label": {"a": "b"}})")).empty());
}

// ---- the agent -------------------------------------------------------------------

// `--name` is an option of the binary whose main.cc this is.
void ExpectFlagsExist(const Json& container, const fs::path& main_cc) {
  const std::string source = ReadFile(SourceDir() / main_cc);
  ASSERT_FALSE(source.empty()) << main_cc;
  for (const auto& flag_value : Flags(container)) {
    const std::string& flag = flag_value.first;
    EXPECT_TRUE(absl::StrContains(source, absl::StrCat("\"", flag, "\""))) << flag << " is not a flag in " << main_cc;
  }
}

TEST(DeployAgent, DeploymentRunsTheOperatorWithLeaderElection) {
  RENDER_OR_RETURN(render, "deploy/agent");
  const Json* d = Find(render, "Deployment", "srfleet-agent");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(At(*d, "/spec/replicas"_json_pointer), 2);
  const auto containers = Containers(*d);
  ASSERT_EQ(containers.size(), 1u);
  const Json& c = *containers[0];
  EXPECT_EQ(c.value("image", ""), kAgentImage);
  ExpectFlagsExist(c, "agent/main.cc");
  auto flags = Flags(c);
  EXPECT_EQ(flags["--leader-elect"], "true");
  EXPECT_EQ(flags["--metrics-bind-address"], ":8080");
  EXPECT_EQ(PortOf(flags["--metrics-bind-address"]), ContainerPort(c, "metrics"));
  EXPECT_EQ(flags["--hub-config-dir"], "/etc/srfleet/hub");
  EXPECT_EQ(MountPath(c, "hub-config"), flags["--hub-config-dir"]);
  EXPECT_EQ(Str(c, "/livenessProbe/httpGet/path"_json_pointer), "/healthz");
  // /readyz is "caches synced", leader or standby (agent/main.cc), so both
  // replicas are ready and rolling updates progress.
  EXPECT_EQ(Str(c, "/readinessProbe/httpGet/path"_json_pointer), "/readyz");
  // The hub configuration is optional: without it the agent is standalone.
  const Json& sources = At(*d, "/spec/template/spec/volumes/0/projected/sources"_json_pointer);
  ASSERT_TRUE(sources.is_array()) << At(*d, "/spec/template/spec/volumes"_json_pointer).dump();
  std::set<std::string> names;
  for (const auto& s : sources) {
    names.insert(Str(s, "/secret/name"_json_pointer));
    EXPECT_EQ(At(s, "/secret/optional"_json_pointer), true) << s.dump();
  }
  EXPECT_EQ(names, (std::set<std::string>{"srfleet-agent-hub", "srfleet-agent-hub-tls"}));
  // The CRD comes from crds/ unchanged, and the base installs no Secret.
  EXPECT_TRUE(OfKind(render, "Secret").empty());
  const Json* crd = Find(render, "CustomResourceDefinition", "semanticrouters.vllm.ai", "");
  ASSERT_NE(crd, nullptr);
  auto source = ParseYamlDocuments(ReadFile(SourceDir() / "crds/semanticrouters.vllm.ai.yaml"));
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_EQ(source->size(), 1u);
  EXPECT_TRUE(*crd == (*source)[0]) << "kustomize changed the CRD";
  schema::SchemaLibrary compiles;
  EXPECT_TRUE(compiles.AddCustomResourceDefinition(*crd).ok());
  for (const char* kind : {"ServiceAccount", "Service", "ServiceMonitor", "ClusterRole", "ClusterRoleBinding", "Role",
                           "RoleBinding", "Namespace"}) {
    EXPECT_FALSE(OfKind(render, kind).empty()) << kind;
  }
}

// ---- the hub ---------------------------------------------------------------------

TEST(DeployHub, DeploymentIsOneRecreatedWriterWithTls) {
  RENDER_OR_RETURN(render, "deploy/hub");
  const Json* d = Find(render, "Deployment", "srfleet-hub");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(At(*d, "/spec/replicas"_json_pointer), 1);
  EXPECT_EQ(Str(*d, "/spec/strategy/type"_json_pointer), "Recreate");
  EXPECT_EQ(At(*d, "/spec/template/spec/automountServiceAccountToken"_json_pointer), false);
  const Json* sa = Find(render, "ServiceAccount", "srfleet-hub");
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(sa->value("automountServiceAccountToken", true), false);
  const auto containers = Containers(*d);
  ASSERT_EQ(containers.size(), 1u);
  const Json& c = *containers[0];
  EXPECT_EQ(c.value("image", ""), kHubImage);
  ExpectFlagsExist(c, "hub/server/main.cc");
  auto flags = Flags(c);
  EXPECT_EQ(flags["--data-dir"], "/var/lib/srfleet");
  EXPECT_EQ(MountPath(c, "data"), flags["--data-dir"]);
  EXPECT_EQ(PortOf(flags["--listen"]), ContainerPort(c, "grpc"));
  EXPECT_EQ(PortOf(flags["--http-listen"]), ContainerPort(c, "metrics"));
  EXPECT_EQ(ContainerPort(c, "grpc"), 7443);
  EXPECT_EQ(ContainerPort(c, "metrics"), 7080);
  EXPECT_FALSE(flags.count("--insecure"));
  EXPECT_FALSE(flags.count("--auto-register"));
  for (const char* f : {"--tls-cert", "--tls-key", "--tls-client-ca"}) {
    EXPECT_EQ(fs::path(flags[f]).parent_path().string(), MountPath(c, "tls")) << f;
  }
  EXPECT_EQ(fs::path(flags["--tls-cert"]).filename().string(), "tls.crt");
  EXPECT_EQ(fs::path(flags["--tls-key"]).filename().string(), "tls.key");
  EXPECT_EQ(fs::path(flags["--tls-client-ca"]).filename().string(), "ca.crt");
  // With a certificate the hub serves /metrics /healthz /readyz over HTTPS
  // only (hub/server/main.cc), so the probes must speak it.
  EXPECT_EQ(Str(c, "/livenessProbe/httpGet/scheme"_json_pointer), "HTTPS");
  EXPECT_EQ(Str(c, "/readinessProbe/httpGet/scheme"_json_pointer), "HTTPS");
  const Json* pvc = Find(render, "PersistentVolumeClaim", "srfleet-hub-data");
  ASSERT_NE(pvc, nullptr);
  EXPECT_EQ(At(*pvc, "/spec/accessModes"_json_pointer), Json::array({"ReadWriteOnce"}));
  EXPECT_EQ(Str(*pvc, "/spec/resources/requests/storage"_json_pointer), "1Gi");
  bool tls_secret = false;
  for (const auto& v : At(*d, "/spec/template/spec/volumes"_json_pointer)) {
    tls_secret = tls_secret || Str(v, "/secret/secretName"_json_pointer) == "srfleet-hub-tls";
  }
  EXPECT_TRUE(tls_secret);
  for (const auto& m : c.value("volumeMounts", Json::array())) {
    if (m.value("name", "") == "tls") {
      EXPECT_EQ(m.value("readOnly", false), true);
    }
  }
}

TEST(DeployHub, ServiceMonitorNetworkPolicyAndDisruptionBudget) {
  RENDER_OR_RETURN(render, "deploy/hub");
  const Json* service = Find(render, "Service", "srfleet-hub");
  ASSERT_NE(service, nullptr);
  std::map<std::string, int> ports;
  for (const auto& p : At(*service, "/spec/ports"_json_pointer)) ports[p.value("name", "")] = p.value("port", 0);
  EXPECT_EQ(ports, (std::map<std::string, int>{{"grpc", 7443}, {"metrics", 7080}}));
  EXPECT_EQ(Str(*service, "/spec/type"_json_pointer), "ClusterIP");

  const Json* monitor = Find(render, "ServiceMonitor", "srfleet-hub");
  ASSERT_NE(monitor, nullptr);
  const Json& endpoint = At(*monitor, "/spec/endpoints/0"_json_pointer);
  EXPECT_EQ(endpoint.value("scheme", ""), "https");
  EXPECT_EQ(Str(endpoint, "/tlsConfig/ca/secret/name"_json_pointer), "srfleet-hub-tls");
  EXPECT_EQ(Str(endpoint, "/tlsConfig/ca/secret/key"_json_pointer), "ca.crt");
  EXPECT_FALSE(endpoint.contains("/tlsConfig/insecureSkipVerify"_json_pointer));

  const Json* policy = Find(render, "NetworkPolicy", "srfleet-hub");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(At(*policy, "/spec/policyTypes"_json_pointer), Json::array({"Ingress"}));
  bool grpc_from_anywhere = false, metrics_from_monitoring = false;
  for (const auto& rule : At(*policy, "/spec/ingress"_json_pointer)) {
    for (const auto& port : rule.value("ports", Json::array())) {
      if (port.value("port", 0) == 7443) grpc_from_anywhere = !rule.contains("from");
      if (port.value("port", 0) == 7080) {
        ASSERT_TRUE(rule.contains("from")) << "the metrics port must not be open to everyone";
        for (const auto& peer : rule["from"]) {
          const Json& expr = At(peer, "/namespaceSelector/matchExpressions/0"_json_pointer);
          EXPECT_EQ(expr.value("key", ""), "kubernetes.io/metadata.name");
          const Json& values = expr.value("values", Json::array());
          metrics_from_monitoring = std::find(values.begin(), values.end(), "monitoring") != values.end() &&
                                    std::find(values.begin(), values.end(), "openshift-monitoring") != values.end();
        }
      }
    }
  }
  EXPECT_TRUE(grpc_from_anywhere);
  EXPECT_TRUE(metrics_from_monitoring);

  // One replica: a budget of 0 disruptions would block every node drain.
  const Json* pdb = Find(render, "PodDisruptionBudget", "srfleet-hub");
  ASSERT_NE(pdb, nullptr);
  EXPECT_EQ(At(*pdb, "/spec/maxUnavailable"_json_pointer), 1);
  EXPECT_FALSE(pdb->contains("/spec/minAvailable"_json_pointer));
}

// The ways in for agents of other clusters publish gRPC only, TLS untouched.
TEST(DeployHub, FleetEntrances) {
  {
    RENDER_OR_RETURN(render, kKubernetesFleetHub);
    const Json* lb = Find(render, "Service", "srfleet-hub-external");
    ASSERT_NE(lb, nullptr);
    EXPECT_EQ(Str(*lb, "/spec/type"_json_pointer), "LoadBalancer");
    const Json& ports = At(*lb, "/spec/ports"_json_pointer);
    ASSERT_EQ(ports.size(), 1u) << "only gRPC may be published";
    EXPECT_EQ(ports[0].value("targetPort", Json()), "grpc");
    EXPECT_EQ(ports[0].value("port", 0), 443);
    EXPECT_TRUE(OfKind(render, "Route").empty());
  }
  {
    RENDER_OR_RETURN(render, kOpenShiftFleetHub);
    const Json* route = Find(render, "Route", "srfleet-hub");
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(At(*route, "/spec/port/targetPort"_json_pointer), "grpc");
    EXPECT_EQ(Str(*route, "/spec/tls/termination"_json_pointer), "passthrough");
    // OpenShift: no fixed fsGroup (the SCC assigns one).
    const Json* hub = Find(render, "Deployment", "srfleet-hub");
    ASSERT_NE(hub, nullptr);
    EXPECT_FALSE(hub->contains("/spec/template/spec/securityContext/fsGroup"_json_pointer));
  }
}

// ---- single cluster --------------------------------------------------------------

TEST(DeploySingleCluster, OneNamespaceAndTheAgentPointsAtTheHubService) {
  RENDER_OR_RETURN(render, "deploy/single-cluster");
  const auto namespaces = OfKind(render, "Namespace");
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(NameOf(*namespaces[0]), kNamespace);
  ASSERT_NE(Find(render, "Deployment", "srfleet-hub"), nullptr);
  const Json* agent = Find(render, "Deployment", "srfleet-agent");
  ASSERT_NE(agent, nullptr);

  // The Secret the agent's hub-config volume names (with kustomize's hash
  // suffix) is in the render, with the hub's address and the cluster name.
  const Json* secret = nullptr;
  for (const auto& v : At(*agent, "/spec/template/spec/volumes"_json_pointer)) {
    for (const auto& s :
         At(v, "/projected/sources"_json_pointer).is_array() ? v["projected"]["sources"] : Json::array()) {
      const std::string name = Str(s, "/secret/name"_json_pointer);
      if (const Json* found = Find(render, "Secret", name); found != nullptr) {
        EXPECT_EQ(secret, nullptr) << "two rendered Secrets in the hub config";
        secret = found;
      }
    }
  }
  ASSERT_NE(secret, nullptr) << "the agent's hub config Secret is not in the render";
  EXPECT_TRUE(absl::StartsWith(NameOf(*secret), "srfleet-agent-hub-")) << NameOf(*secret);
  auto decoded = [&](const std::string& key) {
    std::string out;
    EXPECT_TRUE(absl::Base64Unescape(Str(*secret, Json::json_pointer("/data/" + key)), &out)) << key;
    return out;
  };
  EXPECT_EQ(decoded("cluster-name"), "local");
  const std::string address = decoded("address");
  // host = <service>.<namespace>.svc, port = the Service's grpc port.
  const std::vector<std::string> host_port = absl::StrSplit(address, ':');
  ASSERT_EQ(host_port.size(), 2u) << address;
  const std::vector<std::string> labels = absl::StrSplit(host_port[0], '.');
  ASSERT_EQ(labels.size(), 3u) << address;
  EXPECT_EQ(labels[2], "svc") << address;
  const Json* service = Find(render, "Service", labels[0], labels[1]);
  ASSERT_NE(service, nullptr) << address << " names no Service of the render";
  int grpc_port = 0;
  for (const auto& p : At(*service, "/spec/ports"_json_pointer)) {
    if (p.value("name", "") == "grpc") grpc_port = p.value("port", 0);
  }
  EXPECT_EQ(absl::StrCat(grpc_port), host_port[1]) << address;
  // ... and that Service leads to the hub's pods.
  const Json* hub = Find(render, "Deployment", "srfleet-hub");
  EXPECT_TRUE(Selects(At(*service, "/spec/selector"_json_pointer), PodTemplateLabels(*hub)));
  // The hub's ServiceMonitor checks the certificate against that same name.
  const Json* monitor = Find(render, "ServiceMonitor", "srfleet-hub");
  ASSERT_NE(monitor, nullptr);
  EXPECT_EQ(Str(*monitor, "/spec/endpoints/0/tlsConfig/serverName"_json_pointer), host_port[0]);
}

// ---- observability ---------------------------------------------------------------

// The metric names the binaries register (prometheus-cpp: Build*().Name("...")).
std::map<std::string, std::string> ExportedMetrics() {
  std::map<std::string, std::string> out;  // name -> Counter/Gauge/Histogram
  const std::regex re(R"re(Build(Counter|Gauge|Histogram|Summary)\(\)\s*\.Name\("([a-z0-9_:]+)"\))re");
  for (const char* file : {"hub/server/hub_metrics.cc", "agent/ops/metrics.cc"}) {
    const std::string source = ReadFile(SourceDir() / file);
    for (auto it = std::sregex_iterator(source.begin(), source.end(), re); it != std::sregex_iterator(); ++it) {
      out[(*it)[2]] = (*it)[1];
    }
  }
  return out;
}

// Every srfleet_* series an expression names is exported by a binary.
void ExpectKnownMetrics(const std::string& expr, const std::string& where) {
  static const std::map<std::string, std::string> exported = ExportedMetrics();
  ASSERT_GT(exported.size(), 10u) << "cannot read the metric names from the sources";
  const std::regex re(R"(\bsrfleet_[a-z0-9_]+)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), re); it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    if (exported.count(name)) continue;
    bool ok = false;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (absl::EndsWith(name, suffix)) {
        auto base = exported.find(name.substr(0, name.size() - strlen(suffix)));
        ok = base != exported.end() && base->second == "Histogram";
      }
    }
    EXPECT_TRUE(ok) << where << ": " << name << " is not a metric srfleet exports (" << expr << ")";
  }
}

std::map<std::string, const Json*> RulesByAlert(const Render& render, const std::string& name) {
  std::map<std::string, const Json*> alerts;
  const Json* rule = Find(render, "PrometheusRule", name);
  EXPECT_NE(rule, nullptr) << name;
  if (rule == nullptr) return alerts;
  for (const auto& group : At(*rule, "/spec/groups"_json_pointer)) {
    if (!group.contains("rules")) continue;
    for (const auto& r : group["rules"]) {  // by reference: the map keeps pointers
      const std::string what = absl::StrCat(name, " group ", group.value("name", ""), " ", r.value("alert", "?"));
      EXPECT_NE(r.contains("alert"), r.contains("record")) << what << ": exactly one of alert and record";
      ExpectKnownMetrics(r.value("expr", ""), what);
      if (!r.contains("alert")) continue;
      EXPECT_TRUE(alerts.emplace(r["alert"].get<std::string>(), &r).second) << what << ": twice";
      const std::string severity = Str(r, "/labels/severity"_json_pointer);
      EXPECT_TRUE(severity == "critical" || severity == "warning" || severity == "info") << what;
      EXPECT_FALSE(Str(r, "/annotations/summary"_json_pointer).empty()) << what;
      EXPECT_FALSE(Str(r, "/annotations/description"_json_pointer).empty()) << what;
    }
  }
  return alerts;
}

// The job label the ServiceMonitor gives the series (from the Service's label).
std::string JobOf(const std::string& base, const std::string& monitor_name) {
  const Render& render = Renders::Get().Of(base);
  const Json* monitor = Find(render, "ServiceMonitor", monitor_name);
  if (monitor == nullptr) return "";
  const std::string label = Str(*monitor, "/spec/jobLabel"_json_pointer);
  for (const Json* s : OfKind(render, "Service")) {
    if (Selects(At(*monitor, "/spec/selector/matchLabels"_json_pointer), At(*s, "/metadata/labels"_json_pointer))) {
      return LabelOf(*s, label);
    }
  }
  return "";
}

TEST(DeployObservability, HubAlerts) {
  RENDER_OR_RETURN(render, "deploy/hub/observability");
  const auto alerts = RulesByAlert(render, "srfleet-hub");
  for (const char* name :
       {"SrfleetHubDown", "SrfleetClustersUnknown", "SrfleetNacksRising", "SrfleetPushAckLatencyHigh"}) {
    EXPECT_TRUE(alerts.count(name)) << name;
  }
  const std::string job = JobOf("deploy/hub", "srfleet-hub");
  EXPECT_EQ(job, "srfleet-hub");
  for (const auto& [name, rule] : alerts) {
    EXPECT_TRUE(absl::StrContains(rule->value("expr", ""), absl::StrCat("job=\"", job, "\"")))
        << name << " does not select the hub's job";
  }
  if (alerts.count("SrfleetClustersUnknown")) {
    EXPECT_TRUE(absl::StrContains(alerts.at("SrfleetClustersUnknown")->value("expr", ""), "state=\"Unknown\""));
    EXPECT_EQ(alerts.at("SrfleetClustersUnknown")->value("for", ""), "5m");
  }
  if (alerts.count("SrfleetPushAckLatencyHigh")) {
    const std::string expr = alerts.at("SrfleetPushAckLatencyHigh")->value("expr", "");
    EXPECT_TRUE(absl::StrContains(expr, "histogram_quantile(0.99")) << expr;
    EXPECT_TRUE(absl::StrContains(expr, "> 2")) << expr;
    EXPECT_EQ(alerts.at("SrfleetPushAckLatencyHigh")->value("for", ""), "10m");
  }
}

TEST(DeployObservability, AgentAlerts) {
  RENDER_OR_RETURN(render, "deploy/agent/observability");
  const auto alerts = RulesByAlert(render, "srfleet-agent");
  const std::string job = JobOf("deploy/agent", "srfleet-agent");
  EXPECT_EQ(job, "srfleet-agent");
  bool on_errors = false;
  for (const auto& [name, rule] : alerts) {
    const std::string expr = rule->value("expr", "");
    on_errors = on_errors || absl::StrContains(expr, "rate(srfleet_agent_reconcile_errors_total");
    EXPECT_TRUE(absl::StrContains(expr, absl::StrCat("job=\"", job, "\""))) << name;
  }
  EXPECT_TRUE(on_errors) << "no alert on the rate of srfleet_agent_reconcile_errors_total";
}

TEST(DeployObservability, GrafanaDashboard) {
  RENDER_OR_RETURN(render, "deploy/hub/observability");
  const auto maps = OfKind(render, "ConfigMap");
  ASSERT_EQ(maps.size(), 1u);
  const Json& cm = *maps[0];
  EXPECT_EQ(LabelOf(cm, "grafana_dashboard"), "1");
  const Json& data = At(cm, "/data"_json_pointer);
  ASSERT_EQ(data.size(), 1u);
  const Json dashboard = Json::parse(data.begin().value().get<std::string>(), nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded()) << "the dashboard is not JSON";
  EXPECT_EQ(dashboard.value("uid", ""), "srfleet-hub");
  std::set<std::string> ids;
  std::string all_exprs;
  for (const auto& panel : dashboard.value("panels", Json::array())) {
    EXPECT_TRUE(ids.insert(panel.value("id", Json(0)).dump()).second) << "duplicate panel id " << panel.dump();
    if (panel.value("type", "") == "row") continue;
    const auto targets = panel.value("targets", Json::array());
    EXPECT_FALSE(targets.empty()) << panel.value("title", "");
    for (const auto& t : targets) {
      const std::string expr = t.value("expr", "");
      ExpectKnownMetrics(expr, "panel " + panel.value("title", ""));
      EXPECT_TRUE(absl::StrContains(expr, "job=\"srfleet-hub\"")) << expr;
      all_exprs += expr + "\n";
    }
  }
  // The panels the issue asks for.
  for (const char* needle :
       {"srfleet_hub_agents_connected", "sum by (state) (srfleet_hub_clusters",
        "histogram_quantile(0.99, sum by (le) (rate(srfleet_hub_push_ack_latency_seconds_bucket",
        "rate(srfleet_hub_pushes_total", "rate(srfleet_hub_acks_total", "rate(srfleet_hub_nacks_total",
        "srfleet_hub_queued_pushes", "srfleet_hub_store_latency_seconds_bucket"}) {
    EXPECT_TRUE(absl::StrContains(all_exprs, needle)) << needle;
  }
  // Not in the hub base: dashboards and rules are opt-in.
  RENDER_OR_RETURN(hub, "deploy/hub");
  EXPECT_TRUE(OfKind(hub, "ConfigMap").empty());
  EXPECT_TRUE(OfKind(hub, "PrometheusRule").empty());
}

}  // namespace
}  // namespace srfleet::deploy_test
