// deploy/agent/rbac against what srfleet-agent really does.
//
// The manifests: no wildcard anywhere, the kustomization lists the four
// files, and the bindings give the roles to ServiceAccount srfleet-agent in
// srfleet-system.
//
// The agent: RouterAgent (every owned kind, gateway mode with a Gateway,
// HPA/PDB/Ingress and their pruning, a Secret referenced by the config, a
// StorageClass, a KServe backend, an unresolved backend whose Events repeat,
// router deletion through the finalizer, an OpenShift Route with a custom
// host), the hub link's IntentMaterializer and StatusReporter, and the Lease
// leader elector run in process against kubesim. What the agent asked for is
// read from kubesim's request counters ("<verb> <resource>"), minus the
// requests of the test's own client (which counts them with a
// kube::RequestObserver): every (API group, resource, RBAC verb) observed must
// be granted by the ClusterRole srfleet-agent (Leases: by the Role
// srfleet-agent-leader-election). Rules granted but never observed are logged
// ("granted but never observed"), so over-granting stays visible.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agent/hublink/fleet_metadata.h"
#include "agent/hublink/intent_materializer.h"
#include "agent/hublink/status_reporter.h"
#include "agent/ops/leader_election.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/resource_kinds.h"
#include "agent/reconcile/router_agent.h"
#include "shared/json/yaml_codec.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/metrics.h"
#include "shared/kubesim/cluster.h"
#include "spdlog/spdlog.h"
#include "tests/agent/e2e/agent_e2e_support.h"
#include "tests/agent/kubesim_env.h"
#include "tests/support/test_files.h"

namespace srfleet::deploy_test {
namespace {

namespace fs = std::filesystem;
using agent::BoolField;
using agent::FindField;
using agent::NameOf;
using agent::NamespaceOf;
using agent::StringField;

constexpr char kAgentNamespace[] = "srfleet-system";
constexpr char kServiceAccount[] = "srfleet-agent";
constexpr char kClusterRoleName[] = "srfleet-agent";
constexpr char kLeaderRoleName[] = "srfleet-agent-leader-election";
constexpr char kClusterRoleFile[] = "deploy/agent/rbac/cluster-role.yaml";
constexpr char kLeaderRoleFile[] = "deploy/agent/rbac/leader-election-role.yaml";

fs::path RbacDir() { return testing_support::SourceDir() / "deploy" / "agent" / "rbac"; }

// ---- the manifests -------------------------------------------------------------

struct Rule {
  std::set<std::string> groups, resources, verbs, names;
  std::string where;  // "cluster-role.yaml, ClusterRole srfleet-agent, rule 3"
};

struct RbacRole {
  std::string kind, name, ns, file;
  std::vector<Rule> rules;
  Json raw;
};

struct RbacBinding {
  std::string kind, name, ns, file;
  Json raw;
};

struct Rbac {
  std::vector<RbacRole> roles;
  std::vector<RbacBinding> bindings;
  std::vector<std::string> kustomize_resources;
  std::vector<std::string> errors;  // unreadable files, unexpected kinds

  const RbacRole* Find(const std::string& kind, const std::string& name) const {
    for (const auto& r : roles) {
      if (r.kind == kind && r.name == name) return &r;
    }
    return nullptr;
  }
};

std::set<std::string> Strings(const Json& rule, const char* key) {
  std::set<std::string> out;
  if (const auto it = rule.find(key); it != rule.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.insert(v.get<std::string>());
    }
  }
  return out;
}

Rbac LoadRbac() {
  Rbac rbac;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(RbacDir(), ec)) {
    if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") files.push_back(entry.path());
  }
  if (ec) rbac.errors.push_back(absl::StrCat("cannot list ", RbacDir().string(), ": ", ec.message()));
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(testing_support::ReadFile(path));
    if (!docs.ok()) {
      rbac.errors.push_back(absl::StrCat(file, ": ", std::string(docs.status().message())));
      continue;
    }
    for (const Json& doc : *docs) {
      if (!doc.is_object()) continue;
      const std::string kind = StringField(doc, {"kind"});
      if (kind == "Kustomization") {
        if (const Json* res = FindField(doc, {"resources"}); res && res->is_array()) {
          for (const auto& r : *res)
            rbac.kustomize_resources.push_back(r.is_string() ? r.get<std::string>() : r.dump());
        }
      } else if (kind == "ClusterRole" || kind == "Role") {
        RbacRole role{kind, NameOf(doc), NamespaceOf(doc), file, {}, doc};
        if (const Json* rules = FindField(doc, {"rules"}); rules && rules->is_array()) {
          for (size_t i = 0; i < rules->size(); ++i) {
            const Json& r = (*rules)[i];
            role.rules.push_back({Strings(r, "apiGroups"), Strings(r, "resources"), Strings(r, "verbs"),
                                  Strings(r, "resourceNames"),
                                  absl::StrCat(file, ", ", kind, " ", role.name, ", rule ", i + 1)});
          }
        }
        rbac.roles.push_back(std::move(role));
      } else if (kind == "ClusterRoleBinding" || kind == "RoleBinding") {
        rbac.bindings.push_back({kind, NameOf(doc), NamespaceOf(doc), file, doc});
      } else {
        rbac.errors.push_back(absl::StrCat(file, ": unexpected kind \"", kind, "\" in the RBAC directory"));
      }
    }
  }
  return rbac;
}

TEST(AgentRbacManifests, KustomizationListsExactlyTheFourFiles) {
  const Rbac rbac = LoadRbac();
  EXPECT_TRUE(rbac.errors.empty()) << absl::StrJoin(rbac.errors, "\n");
  const std::set<std::string> want = {"cluster-role.yaml", "cluster-role-binding.yaml", "leader-election-role.yaml",
                                      "leader-election-role-binding.yaml"};
  const std::set<std::string> got(rbac.kustomize_resources.begin(), rbac.kustomize_resources.end());
  EXPECT_EQ(got, want) << "deploy/agent/rbac/kustomization.yaml resources: " << absl::StrJoin(got, ", ");
  for (const auto& f : want) EXPECT_TRUE(fs::exists(RbacDir() / f)) << "missing deploy/agent/rbac/" << f;
}

TEST(AgentRbacManifests, NoWildcardAnywhere) {
  const Rbac rbac = LoadRbac();
  ASSERT_TRUE(rbac.errors.empty()) << absl::StrJoin(rbac.errors, "\n");
  ASSERT_FALSE(rbac.roles.empty()) << "no ClusterRole/Role in " << RbacDir();
  for (const RbacRole& role : rbac.roles) {
    EXPECT_FALSE(role.raw.contains("aggregationRule"))
        << role.file << ": " << role.kind << " " << role.name
        << " uses aggregationRule: its rules would come from other roles; list them here instead";
    const Json* rules = FindField(role.raw, {"rules"});
    if (!rules || !rules->is_array()) continue;
    for (size_t i = 0; i < rules->size(); ++i) {
      for (const char* key : {"apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"}) {
        for (const std::string& v : Strings((*rules)[i], key)) {
          EXPECT_EQ(v.find('*'), std::string::npos)
              << role.file << ", " << role.kind << " " << role.name << ", rule " << i + 1 << ": " << key
              << " has the wildcard \"" << v << "\"; name each " << key << " the agent uses instead";
        }
      }
      EXPECT_FALSE((*rules)[i].contains("nonResourceURLs"))
          << role.file << " rule " << i + 1
          << ": the agent needs no nonResourceURLs (discovery is granted by system:discovery)";
    }
  }
}

TEST(AgentRbacManifests, BindingsGiveTheRolesToTheAgentServiceAccount) {
  const Rbac rbac = LoadRbac();
  ASSERT_TRUE(rbac.errors.empty()) << absl::StrJoin(rbac.errors, "\n");
  const RbacRole* cluster_role = rbac.Find("ClusterRole", kClusterRoleName);
  const RbacRole* leader_role = rbac.Find("Role", kLeaderRoleName);
  ASSERT_NE(cluster_role, nullptr) << "no ClusterRole " << kClusterRoleName << " in " << RbacDir();
  ASSERT_NE(leader_role, nullptr) << "no Role " << kLeaderRoleName << " in " << RbacDir();
  EXPECT_EQ(leader_role->ns, kAgentNamespace) << "the leader-election Role must live where the Lease does";

  auto check = [&](const std::string& kind, const std::string& role_kind, const std::string& role_name,
                   const std::string& ns) {
    int found = 0;
    for (const RbacBinding& b : rbac.bindings) {
      if (b.kind != kind) continue;
      ++found;
      EXPECT_EQ(b.ns, ns) << b.file << ": " << kind << " " << b.name;
      EXPECT_EQ(StringField(b.raw, {"roleRef", "apiGroup"}), "rbac.authorization.k8s.io") << b.file;
      EXPECT_EQ(StringField(b.raw, {"roleRef", "kind"}), role_kind) << b.file;
      EXPECT_EQ(StringField(b.raw, {"roleRef", "name"}), role_name) << b.file;
      const Json* subjects = FindField(b.raw, {"subjects"});
      ASSERT_TRUE(subjects && subjects->is_array() && subjects->size() == 1)
          << b.file << ": exactly one subject, the agent's ServiceAccount";
      const Json& s = (*subjects)[0];
      EXPECT_EQ(StringField(s, {"kind"}), "ServiceAccount") << b.file;
      EXPECT_EQ(StringField(s, {"name"}), kServiceAccount) << b.file;
      EXPECT_EQ(StringField(s, {"namespace"}), kAgentNamespace) << b.file;
    }
    EXPECT_EQ(found, 1) << "want exactly one " << kind << " in " << RbacDir();
  };
  check("ClusterRoleBinding", "ClusterRole", kClusterRoleName, "");
  check("RoleBinding", "Role", kLeaderRoleName, kAgentNamespace);
}

// ---- what the agent's requests need --------------------------------------------

// The API group of each resource the agent may touch. kubesim counts requests
// by resource name only. `events` is core/v1 (agent/reconcile/event_recorder.cc
// writes core Events, not events.k8s.io).
const std::map<std::string, std::string>& ResourceGroups() {
  static const auto* groups = new std::map<std::string, std::string>{
      {"configmaps", ""},
      {"secrets", ""},
      {"serviceaccounts", ""},
      {"services", ""},
      {"persistentvolumeclaims", ""},
      {"events", ""},
      {"deployments", "apps"},
      {"horizontalpodautoscalers", "autoscaling"},
      {"poddisruptionbudgets", "policy"},
      {"ingresses", "networking.k8s.io"},
      {"httproutes", "gateway.networking.k8s.io"},
      {"gateways", "gateway.networking.k8s.io"},
      {"routes", "route.openshift.io"},
      {"semanticrouters", "vllm.ai"},
      {"storageclasses", "storage.k8s.io"},
      {"inferenceservices", "serving.kserve.io"},
      {"leases", "coordination.k8s.io"},
  };
  return *groups;
}

// The RBAC verbs a kubesim verb needs. A server-side apply is a PATCH; when
// it creates the object the API server also authorizes "create" (the patch
// handler's create-on-patch check), and the agent creates every owned object
// (and, with --hub, SemanticRouters) through apply only.
const std::map<std::string, std::vector<std::string>>& RbacVerbs() {
  static const auto* verbs = new std::map<std::string, std::vector<std::string>>{
      {"get", {"get"}},
      {"list", {"list"}},
      {"watch", {"watch"}},
      {"create", {"create"}},
      {"update", {"update"}},
      {"patch", {"patch"}},
      {"apply", {"patch", "create"}},
      {"delete", {"delete"}},
      {"deletecollection", {"deletecollection"}},
  };
  return *verbs;
}

std::string GroupLabel(const std::string& group) { return group.empty() ? "core" : group; }

struct Need {
  std::string group, resource, verb;  // resource may carry a subresource: "semanticrouters/status"
  std::string name;                   // "" : any object (a rule limited by resourceNames does not do)
  bool leader_election = false;       // the Role in srfleet-system grants it (the ClusterRole may too)
  std::string why;

  std::string Key() const {
    return absl::StrCat(GroupLabel(group), " ", resource, " ", verb, name.empty() ? "" : " ", name);
  }
};

// The agent's requests ("verb resource" -> count) as needs; problems (unknown
// resources or verbs) go to `errors`, each saying what to add.
std::vector<Need> NeedsOf(const std::map<std::string, int64_t>& requests, const std::string& scenario,
                          const std::string& lease_name, std::vector<std::string>* errors) {
  std::vector<Need> needs;
  for (const auto& [key, n] : requests) {
    const size_t space = key.find(' ');
    const std::string verb = key.substr(0, space), resource = key.substr(space + 1);
    const std::string base = resource.substr(0, resource.find('/'));
    const auto group = ResourceGroups().find(base);
    if (group == ResourceGroups().end()) {
      errors->push_back(absl::StrCat("[", scenario, "] the agent made `", key, "` (", n,
                                     " requests) but the test does not know the API group of \"", base,
                                     "\": add it to ResourceGroups() in tests/deploy/agent_rbac_test.cc, "
                                     "and a rule for it to ",
                                     kClusterRoleFile));
      continue;
    }
    const auto verbs = RbacVerbs().find(verb);
    if (verbs == RbacVerbs().end()) {
      errors->push_back(absl::StrCat("[", scenario, "] kubesim counted the unknown verb \"", verb, "\" (`", key,
                                     "`): add its RBAC verbs to RbacVerbs() in tests/deploy/agent_rbac_test.cc"));
      continue;
    }
    for (const std::string& rbac_verb : verbs->second) {
      Need need{
          group->second, resource, rbac_verb, "", false, absl::StrCat("[", scenario, "] kubesim saw `", key, "` x", n)};
      if (verb == "apply" && rbac_verb == "create") {
        absl::StrAppend(&need.why, " (a server-side apply that creates the object is also authorized as \"create\")");
      }
      if (base == "leases") {
        need.leader_election = true;
        need.name = lease_name;
      }
      needs.push_back(std::move(need));
    }
  }
  return needs;
}

bool Grants(const Rule& rule, const Need& need) {
  if (!rule.groups.count(need.group) || !rule.resources.count(need.resource) || !rule.verbs.count(need.verb)) {
    return false;
  }
  return rule.names.empty() || (!need.name.empty() && rule.names.count(need.name));
}

std::string RuleToAdd(const Need& need) {
  std::string out = absl::StrCat("  - apiGroups: [\"", need.group, "\"]\n    resources: [\"", need.resource, "\"]\n");
  if (!need.name.empty()) absl::StrAppend(&out, "    resourceNames: [\"", need.name, "\"]\n");
  absl::StrAppend(&out, "    verbs: [\"", need.verb, "\"]");
  return out;
}

// Failures, one per need no bound role grants, each naming the rule to add.
std::vector<std::string> Ungranted(const Rbac& rbac, const std::vector<Need>& needs) {
  std::vector<std::string> out;
  const RbacRole* cluster_role = rbac.Find("ClusterRole", kClusterRoleName);
  const RbacRole* leader_role = rbac.Find("Role", kLeaderRoleName);
  std::set<std::string> reported;
  for (const Need& need : needs) {
    bool granted = false;
    if (cluster_role) {
      for (const Rule& r : cluster_role->rules) granted = granted || Grants(r, need);
    }
    if (need.leader_election && leader_role && leader_role->ns == kAgentNamespace) {
      for (const Rule& r : leader_role->rules) granted = granted || Grants(r, need);
    }
    if (granted || !reported.insert(need.Key()).second) continue;
    out.push_back(absl::StrCat(need.why, "\n  but deploy/agent/rbac grants no \"", need.verb, "\" on ", need.resource,
                               " (API group ", GroupLabel(need.group), ")",
                               need.name.empty() ? "" : absl::StrCat(" named ", need.name), ". Add to ",
                               need.leader_election ? kLeaderRoleFile : kClusterRoleFile, ":\n", RuleToAdd(need)));
  }
  return out;
}

// Every (role, group, resource, verb[, name]) granted that no need used.
std::vector<std::string> NeverObserved(const Rbac& rbac, const std::vector<Need>& needs) {
  std::vector<std::string> out;
  for (const RbacRole& role : rbac.roles) {
    for (const Rule& rule : role.rules) {
      for (const auto& g : rule.groups) {
        for (const auto& res : rule.resources) {
          for (const auto& v : rule.verbs) {
            bool used = false;
            for (const Need& n : needs) {
              const bool in_scope = role.kind == "ClusterRole" || n.leader_election;
              used = used || (in_scope && n.group == g && n.resource == res && n.verb == v &&
                              (rule.names.empty() || rule.names.count(n.name)));
            }
            if (!used) {
              out.push_back(absl::StrCat(role.kind, " ", role.name, ": ", v, " ", res, " (API group ", GroupLabel(g),
                                         ")", rule.names.empty() ? "" : " named ", absl::StrJoin(rule.names, ",")));
            }
          }
        }
      }
    }
  }
  return out;
}

TEST(AgentRbacTables, ResourceGroupsAgreeWithTheAgentsKindTable) {
  for (const agent::KindInfo& info : agent::AllKinds()) {
    const auto it = ResourceGroups().find(info.ref.resource);
    ASSERT_NE(it, ResourceGroups().end())
        << "agent/reconcile/resource_kinds.cc knows " << info.kind << " (" << info.ref.resource << "): add \""
        << info.ref.resource << "\" -> \"" << info.ref.group
        << "\" to ResourceGroups() in tests/deploy/agent_rbac_test.cc";
    EXPECT_EQ(it->second, info.ref.group) << info.ref.resource;
  }
}

// ---- running the agent -----------------------------------------------------------

// Counts what the test's own client asks for, in kubesim's key format, so
// that it can be taken out of the cluster's counters.
class CountingObserver : public kube::RequestObserver {
 public:
  void OnRequest(const kube::RequestMetric& m) override {
    // Discovery is not counted by kubesim; neither is what never reached it.
    if (m.resource.empty() || m.code == 0) return;
    absl::MutexLock lock(&mu_);
    ++counts_[absl::StrCat(m.verb, " ", m.resource)];
  }
  std::map<std::string, int64_t> counts() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

kube::ClientOptions FastClientOptions(std::shared_ptr<kube::RequestObserver> observer = nullptr) {
  kube::ClientOptions o = agent::e2e::FastClientOptions();
  o.observer = std::move(observer);
  return o;
}

agent::RouterAgentOptions FastAgentOptions() {
  agent::RouterAgentOptions o = agent::e2e::FastAgentOptions();
  // An unresolved backend is retried (and its Event repeated, i.e. patched) quickly.
  o.reconciler.retry_unresolved = absl::Milliseconds(100);
  o.events.min_patch_interval = absl::Milliseconds(50);
  return o;
}

kube::ResourceRef KindRef(const std::string& kind) {
  const agent::KindInfo* info = agent::FindKind(kind);
  EXPECT_NE(info, nullptr) << kind;
  return info ? info->ref : kube::ResourceRef{};
}

// One kubesim cluster, the agent's clients and the test's counted client.
class Run {
 public:
  Run(std::string scenario, kubesim::ClusterOptions options) : scenario_(std::move(scenario)), env_(options) {
    if (!env_.ok()) return;
    absl::Status crd = env_.cluster().InstallSemanticRouterCrd();
    EXPECT_TRUE(crd.ok()) << crd;
    agent_client_ = env_.NewClient(FastClientOptions());
    events_client_ = env_.NewClient(FastClientOptions());  // as main.cc: Events through their own client
    driver_observer_ = std::make_shared<CountingObserver>();
    driver_ = env_.NewClient(FastClientOptions(driver_observer_));
    env_.cluster().ResetCounters();
  }
  ~Run() { StopAgent(); }

  bool ok() const { return env_.ok() && agent_client_ && events_client_ && driver_; }
  kube::KubeClient& driver() { return *driver_; }
  kube::KubeClient& agent_client() { return *agent_client_; }
  agent::RouterAgent& agent() { return *agent_; }
  const kube::RestConfig& config() const { return env_.config(); }

  void StartAgent() {
    agent::RouterAgentOptions options = FastAgentOptions();
    options.events_client = events_client_.get();
    agent_ = std::make_unique<agent::RouterAgent>(*agent_client_, std::move(options));
    absl::Status started = agent_->Start(absl::Seconds(20));
    ASSERT_TRUE(started.ok()) << started;
  }
  void StopAgent() {
    if (agent_) agent_->Stop();
    agent_.reset();
  }

  // The agent's requests so far: the cluster's counters minus the test's own.
  std::map<std::string, int64_t> AgentRequests() {
    std::map<std::string, int64_t> out = env_.cluster().counters().by_verb_resource;
    for (const auto& [key, n] : driver_observer_->counts()) {
      int64_t& v = out[key];
      EXPECT_GE(v, n) << "[" << scenario_ << "] the test's client counted more `" << key
                      << "` than kubesim did: the subtraction is wrong (a request kubesim does not count?)";
      v -= n;
    }
    for (auto it = out.begin(); it != out.end();) it = it->second > 0 ? std::next(it) : out.erase(it);
    return out;
  }

  // --- fixtures, as kubectl would create them -----------------------------------
  void Namespace(const std::string& name) {
    absl::StatusOr<Json> ns =
        driver_->Create(kube::ResourceRef::Core("namespaces"),
                        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    ASSERT_TRUE(ns.ok() || kube::IsAlreadyExists(ns.status())) << ns.status();
  }
  Json Create(const kube::ResourceRef& collection, const Json& object) {
    absl::StatusOr<Json> created = driver_->Create(collection.WithNamespace(NamespaceOf(object)), object);
    EXPECT_TRUE(created.ok()) << created.status() << "\n" << object.dump();
    return created.ok() ? *created : Json();
  }
  void Service(const std::string& ns, const std::string& name, Json labels = Json::object(), int port = 8000) {
    Json svc = {
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"spec", {{"ports", Json::array({{{"name", "http"}, {"port", port}}})}, {"selector", {{"app", name}}}}}};
    if (!labels.empty()) svc["metadata"]["labels"] = std::move(labels);
    Create(kube::ResourceRef::Core("services"), svc);
  }
  void StorageClass(const std::string& name) {
    Create(KindRef("StorageClass"), {{"apiVersion", "storage.k8s.io/v1"},
                                     {"kind", "StorageClass"},
                                     {"metadata", {{"name", name}}},
                                     {"provisioner", "example.com/nfs"}});
  }
  void InferenceService(const std::string& ns, const std::string& name) {
    Create(KindRef("InferenceService"),
           {{"apiVersion", "serving.kserve.io/v1beta1"},
            {"kind", "InferenceService"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", {{"predictor", {{"model", {{"modelFormat", {{"name", "huggingface"}}}}}}}}}});
  }
  void Gateway(const std::string& ns, const std::string& name) {
    Create(KindRef("Gateway"),
           {{"apiVersion", "gateway.networking.k8s.io/v1"},
            {"kind", "Gateway"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec",
             {{"gatewayClassName", "istio"},
              {"listeners", Json::array({{{"name", "http"}, {"port", 80}, {"protocol", "HTTP"}}})}}}});
  }
  void Secret(const std::string& ns, const std::string& name, const std::string& key, const std::string& b64) {
    Create(kube::ResourceRef::Core("secrets"), {{"apiVersion", "v1"},
                                                {"kind", "Secret"},
                                                {"metadata", {{"name", name}, {"namespace", ns}}},
                                                {"data", {{key, b64}}}});
  }
  static Json Sample(const std::string& file) {
    absl::StatusOr<Json> parsed = ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / file));
    EXPECT_TRUE(parsed.ok()) << file << ": " << parsed.status();
    return parsed.ok() ? *parsed : Json();
  }
  Json CreateRouter(const Json& router) { return Create(agent::RouterKindInfo().ref, router); }

  // --- reading ------------------------------------------------------------------------
  std::optional<Json> Get(const kube::ResourceRef& ref) {
    absl::StatusOr<Json> got = driver_->Get(ref);
    if (!got.ok()) return std::nullopt;
    return *got;
  }
  std::optional<Json> Router(const std::string& ns, const std::string& name) {
    return Get(agent::RouterKindInfo().ref.WithNamespace(ns).WithName(name));
  }
  bool WaitForPhase(const std::string& ns, const std::string& name, const std::string& phase) {
    const bool reached = WaitFor([&] {
      std::optional<Json> r = Router(ns, name);
      return r && StringField(*r, {"status", "phase"}) == phase;
    });
    if (!reached) {
      std::optional<Json> r = Router(ns, name);
      ADD_FAILURE() << "[" << scenario_ << "] " << ns << "/" << name << " never reached " << phase << ": "
                    << (r ? (*r)["status"].dump(2) : std::string("(absent)"));
    }
    return reached;
  }
  bool WaitGone(const kube::ResourceRef& ref) {
    const bool gone = WaitFor([&] {
      absl::StatusOr<Json> got = driver_->Get(ref);
      return !got.ok() && kube::IsNotFound(got.status());
    });
    EXPECT_TRUE(gone) << "[" << scenario_ << "] still there: " << ref.Path();
    return gone;
  }
  void DeleteRouter(const std::string& ns, const std::string& name) {
    absl::StatusOr<Json> deleted = driver_->Delete(agent::RouterKindInfo().ref.WithNamespace(ns).WithName(name));
    ASSERT_TRUE(deleted.ok()) << deleted.status();
  }
  void PatchRouterSpec(const std::string& ns, const std::string& name, const Json& spec) {
    absl::StatusOr<Json> patched =
        driver_->MergePatch(agent::RouterKindInfo().ref.WithNamespace(ns).WithName(name), {{"spec", spec}});
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  // Whether some object of `kind` in `ns` has a controller ownerReference to
  // a SemanticRouter with blockOwnerDeletion: true.
  bool BlocksOwnerDeletion(const std::string& kind, const std::string& ns) {
    absl::StatusOr<kube::ObjectList> list = driver_->List(KindRef(kind).WithNamespace(ns));
    if (!list.ok()) return false;
    for (const Json& o : list->items) {
      const Json* refs = FindField(o, {"metadata", "ownerReferences"});
      if (!refs || !refs->is_array()) continue;
      for (const Json& r : *refs) {
        if (StringField(r, {"kind"}) == agent::kRouterKind && BoolField(r, {"blockOwnerDeletion"})) return true;
      }
    }
    return false;
  }

 private:
  std::string scenario_;
  agent::testing::KubesimEnv env_;
  std::unique_ptr<kube::KubeClient> agent_client_, events_client_, driver_;
  std::shared_ptr<CountingObserver> driver_observer_;
  std::unique_ptr<agent::RouterAgent> agent_;
};

// What one run showed the agent needs.
struct Observation {
  std::map<std::string, int64_t> requests;  // the agent's, "verb resource"
  std::vector<Need> derived;                // needs no request counter shows
};

fleet::v1::IntentUpsert Upsert(const Json& manifest, int64_t revision, const std::string& nonce) {
  fleet::v1::IntentUpsert u;
  const std::string ns = NamespaceOf(manifest), name = NameOf(manifest);
  u.set_nonce(nonce);
  u.set_intent_id(absl::StrCat(ns, "/", name));
  u.set_revision(revision);
  u.set_checksum(absl::StrCat("checksum-", revision));  // opaque to the agent
  u.set_namespace_(ns);
  u.set_name(name);
  u.set_manifest_json(manifest.dump());
  return u;
}

// Kubernetes with Gateway API and KServe: every owned kind, pruning, the
// finalizer, repeated Events, the hub link, leader election.
void RunKubernetes(Observation* out) {
  Run run("kubernetes", [] {
    kubesim::ClusterOptions o;
    o.openshift = false;
    o.gateway_api = true;
    o.kserve = true;
    o.watch_cache_events = 100000;
    return o;
  }());
  ASSERT_TRUE(run.ok());
  for (const char* ns : {"llm", "models", "gateway-system", kAgentNamespace}) run.Namespace(ns);
  // What the samples refer to (as tests/agent/e2e/samples_e2e_test.cc).
  run.Service("llm", "vllm-qwen");
  run.Service("models", "vllm-llama");
  run.Gateway("gateway-system", "inference-gateway");
  run.StorageClass("nfs-client");
  run.Service("llm", "vllm-qwen-72b");
  run.Secret("llm", "redis-credentials", "password", "czNjcjN0");
  run.InferenceService("llm", "mistral-7b");
  run.StartAgent();

  // Plain, gateway mode, HA (HPA, PDB, Ingress, PVC in a named StorageClass,
  // a Secret read for the config), KServe backend.
  struct Sample {
    const char* file;
    const char* name;
  };
  const std::vector<Sample> samples = {{"simple.yaml", "simple"},
                                       {"gateway.yaml", "router-gw"},
                                       {"ha-autoscaling.yaml", "router-ha"},
                                       {"kserve.yaml", "router-kserve"}};
  for (const Sample& s : samples) ASSERT_FALSE(run.CreateRouter(Run::Sample(s.file)).is_null()) << s.file;
  for (const Sample& s : samples) ASSERT_TRUE(run.WaitForPhase("llm", s.name, "Running"));
  // The kinds this run is meant to exercise are there (so that the pruning
  // below really deletes something).
  for (const char* kind : {"Deployment", "Secret", "ConfigMap", "ServiceAccount", "Service", "PersistentVolumeClaim",
                           "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress"}) {
    EXPECT_TRUE(run.Get(
        KindRef(kind).WithNamespace("llm").WithName(std::string(kind) == "Secret"      ? "router-ha-config"
                                                    : std::string(kind) == "ConfigMap" ? "router-ha-envoy-config"
                                                    : std::string(kind) == "PersistentVolumeClaim" ? "router-ha-models"
                                                                                                   : "router-ha")))
        << "no " << kind << " for router-ha";
  }
  EXPECT_TRUE(run.Get(KindRef("HTTPRoute").WithNamespace("llm").WithName("router-gw"))) << "no HTTPRoute for router-gw";
  // Owned objects say blockOwnerDeletion: setting that needs update on the
  // owner's finalizers where OwnerReferencesPermissionEnforcement runs.
  if (run.BlocksOwnerDeletion("Deployment", "llm")) {
    out->derived.push_back({"vllm.ai", "semanticrouters/finalizers", "update", "", false,
                            "[kubernetes] owned objects carry ownerReferences with blockOwnerDeletion: true "
                            "(OwnerReferencesPermissionEnforcement authorizes update on the owner's finalizers)"});
  }

  // A backend that is not there yet: BackendUnresolved repeats (Event
  // patched), then the Service appears and the router runs.
  ASSERT_FALSE(run.CreateRouter(Run::Sample("llamastack.yaml")).is_null());
  EXPECT_TRUE(WaitFor([&] { return run.agent().event_stats().patched > 0; }))
      << "no repeated Event was patched; created=" << run.agent().event_stats().created;
  run.Service("llm", "llama-stack-a", {{"app", "llama-stack"}, {"model", "llama-3.3-70b"}}, 8321);
  ASSERT_TRUE(run.WaitForPhase("llm", "router-llamastack", "Running"));

  // Pruning: autoscaling and ingress off -> the HPA and the Ingress go.
  run.PatchRouterSpec("llm", "router-ha", {{"autoscaling", {{"enabled", false}}}, {"ingress", {{"enabled", false}}}});
  run.WaitGone(KindRef("HorizontalPodAutoscaler").WithNamespace("llm").WithName("router-ha"));
  run.WaitGone(KindRef("Ingress").WithNamespace("llm").WithName("router-ha"));

  // The finalizer: deleting routers deletes what they own, then the
  // finalizer is removed and the CR goes.
  for (const char* name : {"simple", "router-gw", "router-ha"}) run.DeleteRouter("llm", name);
  for (const char* name : {"simple", "router-gw", "router-ha"}) {
    run.WaitGone(agent::RouterKindInfo().ref.WithNamespace("llm").WithName(name));
  }

  // The hub link: an intent materialised (and re-pushed: no write), Hello's
  // list of known intents, the status reporter's informer, the intent deleted.
  {
    agent::hublink::IntentMaterializer materializer(run.agent_client(), {"rbac-test", ""});
    Json manifest = Run::Sample("simple.yaml");
    manifest["metadata"] = {{"name", "hub-router"}, {"namespace", "llm"}};
    agent::hublink::PushOutcome first = materializer.Upsert(Upsert(manifest, 1, "n1"));
    EXPECT_TRUE(first.reply.has_ack()) << first.reply.DebugString();
    agent::hublink::PushOutcome again = materializer.Upsert(Upsert(manifest, 1, "n2"));
    EXPECT_TRUE(again.reply.has_ack()) << again.reply.DebugString();
    EXPECT_FALSE(again.wrote);
    absl::StatusOr<std::vector<fleet::v1::KnownIntent>> known = materializer.ListKnown();
    ASSERT_TRUE(known.ok()) << known.status();
    EXPECT_EQ(known->size(), 1u);

    agent::hublink::StatusReporterOptions ro;
    ro.informer.backoff = kube::BackoffPolicy{absl::Milliseconds(20), absl::Milliseconds(300), 2.0, 0.5};
    agent::hublink::StatusReporter reporter(run.agent_client(), ro);
    reporter.Start();
    EXPECT_TRUE(WaitFor([&] { return reporter.Synced(); }));
    reporter.BeginStream();
    EXPECT_TRUE(WaitFor([&] { return reporter.NextReport(absl::Now()).has_value(); }));
    ASSERT_TRUE(run.WaitForPhase("llm", "hub-router", "Running"));

    fleet::v1::IntentDelete del;
    del.set_nonce("n3");
    del.set_intent_id("llm/hub-router");
    agent::hublink::PushOutcome deleted = materializer.Delete(del);
    EXPECT_TRUE(deleted.reply.has_ack()) << deleted.reply.DebugString();
    run.WaitGone(agent::RouterKindInfo().ref.WithNamespace("llm").WithName("hub-router"));
    reporter.Stop();
  }

  // Leader election in srfleet-system: create, renew, a second candidate
  // reading it, release on Stop, the second taking it over.
  {
    agent::LeaderElectionConfig le;
    le.lease_namespace = kAgentNamespace;
    le.identity = "replica-a";
    absl::StatusOr<std::unique_ptr<agent::LeaderElector>> a =
        agent::LeaderElector::New(run.config(), le, FastClientOptions());
    ASSERT_TRUE(a.ok()) << a.status();
    le.identity = "replica-b";
    absl::StatusOr<std::unique_ptr<agent::LeaderElector>> b =
        agent::LeaderElector::New(run.config(), le, FastClientOptions());
    ASSERT_TRUE(b.ok()) << b.status();
    (*a)->Start();
    EXPECT_TRUE(WaitFor([&] { return (*a)->IsLeader(); }));
    absl::StatusOr<bool> b_first = (*b)->TryAcquireOrRenew();
    ASSERT_TRUE(b_first.ok()) << b_first.status();
    EXPECT_FALSE(*b_first);
    (*a)->Stop();  // releases
    absl::StatusOr<bool> b_second = (*b)->TryAcquireOrRenew();
    ASSERT_TRUE(b_second.ok()) << b_second.status();
    EXPECT_TRUE(*b_second);
  }

  run.StopAgent();
  out->requests = run.AgentRequests();
}

// OpenShift (Routes; no Gateway API): a Route with a custom host, the host
// changed, Routes turned off (pruned), the router deleted.
void RunOpenShift(Observation* out) {
  Run run("openshift", [] {
    kubesim::ClusterOptions o;
    o.openshift = true;
    o.gateway_api = false;
    o.kserve = true;
    o.watch_cache_events = 100000;
    return o;
  }());
  ASSERT_TRUE(run.ok());
  run.Namespace("llm");
  run.StorageClass("gp3-csi");
  run.InferenceService("llm", "granite-8b");
  run.StartAgent();

  ASSERT_FALSE(run.CreateRouter(Run::Sample("openshift-route.yaml")).is_null());
  ASSERT_TRUE(run.WaitForPhase("llm", "router-ocp", "Running"));
  const kube::ResourceRef route = KindRef("Route").WithNamespace("llm").WithName("router-ocp");
  std::optional<Json> created = run.Get(route);
  ASSERT_TRUE(created);
  if (!StringField(*created, {"spec", "host"}).empty()) {
    out->derived.push_back({"route.openshift.io", "routes/custom-host", "create", "", false,
                            "[openshift] the agent created a Route with spec.host (OpenShift's route admission "
                            "checks create on routes/custom-host)"});
  }
  if (run.BlocksOwnerDeletion("Route", "llm")) {
    out->derived.push_back({"vllm.ai", "semanticrouters/finalizers", "update", "", false,
                            "[openshift] owned objects carry ownerReferences with blockOwnerDeletion: true "
                            "(OpenShift runs OwnerReferencesPermissionEnforcement)"});
  }

  run.PatchRouterSpec("llm", "router-ocp", {{"openshift", {{"routes", {{"hostname", "router2.apps.example.com"}}}}}});
  const bool host_changed = WaitFor([&] {
    std::optional<Json> r = run.Get(route);
    return r && StringField(*r, {"spec", "host"}) == "router2.apps.example.com";
  });
  EXPECT_TRUE(host_changed) << "the agent did not move the Route to the new hostname";
  if (host_changed) {
    out->derived.push_back({"route.openshift.io", "routes/custom-host", "update", "", false,
                            "[openshift] the agent changed an existing Route's spec.host (OpenShift's route "
                            "admission checks update on routes/custom-host)"});
  }

  run.PatchRouterSpec("llm", "router-ocp", {{"openshift", {{"routes", {{"enabled", false}}}}}});
  run.WaitGone(route);
  run.DeleteRouter("llm", "router-ocp");
  run.WaitGone(agent::RouterKindInfo().ref.WithNamespace("llm").WithName("router-ocp"));

  run.StopAgent();
  out->requests = run.AgentRequests();
}

std::string Table(const std::map<std::string, int64_t>& requests) {
  std::string out;
  for (const auto& [key, n] : requests) absl::StrAppend(&out, "    ", key, " x", n, "\n");
  return out;
}

// The needs one run showed, checked against the roles; failures name the
// rule to add.
std::vector<Need> Check(const Rbac& rbac, const std::string& scenario, const Observation& obs) {
  EXPECT_FALSE(obs.requests.empty()) << "[" << scenario << "] kubesim saw no request from the agent";
  std::cout << "[ rbac     ] " << scenario << ": the agent's requests (kubesim counters minus the test's):\n"
            << Table(obs.requests);
  std::vector<std::string> errors;
  std::vector<Need> needs = NeedsOf(obs.requests, scenario, agent::LeaderElectionConfig{}.lease_name, &errors);
  needs.insert(needs.end(), obs.derived.begin(), obs.derived.end());
  for (const auto& e : errors) ADD_FAILURE() << e;
  for (const std::string& missing : Ungranted(rbac, needs)) ADD_FAILURE() << missing;
  std::set<std::string> keys;
  for (const Need& n : needs) keys.insert(n.Key());
  std::cout << "[ rbac     ] " << scenario << ": (API group, resource, RBAC verb) needed:\n";
  for (const auto& k : keys) std::cout << "    " << k << "\n";
  return needs;
}

// Both runs in one test (about 2 s), so that "granted but never observed"
// is judged against everything the agent did, also when ctest runs each
// test in its own process.
TEST(AgentRbacRun, EveryRequestOfTheAgentIsGrantedAndOverGrantsAreLogged) {
  spdlog::set_level(spdlog::level::warn);
  const Rbac rbac = LoadRbac();
  ASSERT_TRUE(rbac.errors.empty()) << absl::StrJoin(rbac.errors, "\n");

  std::vector<Need> all;
  std::vector<std::string> runs;
  {
    SCOPED_TRACE("kubernetes run");
    Observation obs;
    RunKubernetes(&obs);
    if (!obs.requests.empty()) {
      std::vector<Need> needs = Check(rbac, "kubernetes", obs);
      all.insert(all.end(), needs.begin(), needs.end());
      runs.push_back("kubernetes");
    }
  }
  {
    SCOPED_TRACE("openshift run");
    Observation obs;
    RunOpenShift(&obs);
    if (!obs.requests.empty()) {
      std::vector<Need> needs = Check(rbac, "openshift", obs);
      all.insert(all.end(), needs.begin(), needs.end());
      runs.push_back("openshift");
    }
  }
  ASSERT_EQ(runs.size(), 2u) << "a run stopped early (see above); grants were not checked against it";

  // Over-granting: reported, not failed.
  const std::vector<std::string> unused = NeverObserved(rbac, all);
  std::cout << "[ rbac     ] scenarios run: " << absl::StrJoin(runs, ", ") << "\n";
  if (unused.empty()) std::cout << "[ rbac     ] every granted rule was observed\n";
  for (const std::string& u : unused) std::cout << "[ rbac     ] granted but never observed: " << u << "\n";
  std::cout.flush();
}

}  // namespace
}  // namespace srfleet::deploy_test
