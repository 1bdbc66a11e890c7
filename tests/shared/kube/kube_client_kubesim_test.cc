// The client against kubesim over real sockets (HTTPS unless stated): every
// auth variant, CRUD, server-side apply, status, pagination, selectors,
// watches (resume after drops with no lost or duplicated event, 410 ->
// relist, bookmarks), retries on injected 429/5xx, typed errors, discovery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shared/json/yaml_codec.h"
#include "shared/kube/kube_client.h"
#include "shared/kube/list_watcher.h"
#include "shared/kubesim/cluster.h"
#include "shared/kubesim/sim_server.h"
#include "shared/tls/pki.h"
#include "tests/shared/kube/temp_dir.h"
#include "tests/support/test_files.h"

namespace srfleet::kube {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

constexpr char kToken[] = "sim-token";

// One simulated cluster behind one server.
struct Sim {
  std::unique_ptr<kubesim::Cluster> cluster;
  std::unique_ptr<kubesim::SimServer> server;

  static Sim Start(kubesim::ClusterOptions cluster_options = {}, kubesim::SimServerOptions server_options = {}) {
    Sim sim;
    sim.cluster = std::make_unique<kubesim::Cluster>(std::move(cluster_options));
    if (server_options.bearer_token.empty()) server_options.bearer_token = kToken;
    absl::StatusOr<std::unique_ptr<kubesim::SimServer>> server = kubesim::SimServer::Start(server_options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) {
      sim.server = *std::move(server);
      sim.server->Mount("", sim.cluster.get());
    }
    return sim;
  }
  Sim() = default;
  Sim(Sim&&) = default;
  Sim& operator=(Sim&&) = default;
  ~Sim() {
    if (server) server->Stop();  // before the cluster goes
  }

  RestConfig Config() const {
    RestConfig config;
    config.server = server->Url();
    config.ca_pem = server->ca_pem();
    config.bearer_token = kToken;
    config.timeout = absl::Seconds(10);
    return config;
  }
};

std::unique_ptr<KubeClient> NewClient(const RestConfig& config, ClientOptions options = {}) {
  absl::StatusOr<std::unique_ptr<KubeClient>> client = KubeClient::New(config, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

Json ConfigMap(const std::string& ns, const std::string& name, Json data, Json labels = Json::object()) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!labels.empty()) cm["metadata"]["labels"] = std::move(labels);
  cm["data"] = std::move(data);
  return cm;
}

std::string MetadataString(const Json& object, const char* key) {
  auto md = object.find("metadata");
  if (md == object.end()) return "";
  auto it = md->find(key);
  return it != md->end() && it->is_string() ? it->get<std::string>() : "";
}
std::string Rv(const Json& object) { return MetadataString(object, "resourceVersion"); }
std::string Name(const Json& object) { return MetadataString(object, "name"); }

const ResourceRef kConfigMaps = ResourceRef::Core("configmaps", "default");

void ExpectWorks(KubeClient& client) {
  absl::StatusOr<ServerVersionInfo> version = client.ServerVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  absl::StatusOr<Json> ns = client.Get(ResourceRef::Core("namespaces", "", "default"));
  ASSERT_TRUE(ns.ok()) << ns.status();
  EXPECT_EQ((*ns)["metadata"]["name"], "default");
}

void CreateNamespace(KubeClient& client, const std::string& name) {
  absl::StatusOr<Json> ns =
      client.Create(ResourceRef::Core("namespaces"), {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  ASSERT_TRUE(ns.ok()) << ns.status();
}

// --- authentication and TLS ---------------------------------------------------

TEST(KubesimAuthTest, TokenWithCaDataFromKubeconfig) {
  Sim sim = Sim::Start();
  TempDir dir;
  const std::string path = dir.Write("config", sim.server->KubeconfigYaml("", kToken));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->ca_pem.empty());
  EXPECT_EQ(config->bearer_token, kToken);
  ExpectWorks(*NewClient(*config));
}

TEST(KubesimAuthTest, ClientCertificateFromKubeconfig) {
  Sim sim = Sim::Start();
  TempDir dir;
  const std::string path = dir.Write("config", sim.server->KubeconfigYaml("", ""));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->bearer_token.empty());
  EXPECT_FALSE(config->client_cert_pem.empty());
  ExpectWorks(*NewClient(*config));
}

TEST(KubesimAuthTest, ClientCertificateRequiredByTheServer) {
  kubesim::SimServerOptions options;
  options.require_client_cert = true;
  Sim sim = Sim::Start({}, options);
  absl::StatusOr<kubesim::SimServer::ClientCredentials> creds = sim.server->IssueClientCert("alice");
  ASSERT_TRUE(creds.ok()) << creds.status();
  RestConfig config = sim.Config();
  config.bearer_token.clear();
  config.client_cert_pem = creds->cert_pem;
  config.client_key_pem = creds->key_pem;
  ExpectWorks(*NewClient(config));
  // Without a certificate the handshake is refused.
  RestConfig anonymous = sim.Config();
  ClientOptions once;
  once.max_attempts = 1;
  absl::StatusOr<Json> refused = NewClient(anonymous, once)->Get(ResourceRef::Core("namespaces", "", "default"));
  EXPECT_FALSE(refused.ok());
}

TEST(KubesimAuthTest, CaFileRelativeToTheKubeconfig) {
  Sim sim = Sim::Start();
  TempDir dir;
  dir.Write("pki/ca.crt", sim.server->ca_pem());
  const std::string path = dir.Write("kube/config", absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: sim
clusters:
- name: sim
  cluster:
    server: )", sim.server->Url(), R"(
    certificate-authority: ../pki/ca.crt
users:
- name: sim
  user:
    token: )", kToken, R"(
contexts:
- name: sim
  context: {cluster: sim, user: sim, namespace: apps}
)"));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ns, "apps");
  ExpectWorks(*NewClient(*config));
}

TEST(KubesimAuthTest, InClusterServiceAccount) {
  Sim sim = Sim::Start();
  TempDir dir;
  InClusterPaths paths;
  paths.token_file = dir.Write("token", std::string(kToken) + "\n");
  paths.ca_file = dir.Write("ca.crt", sim.server->ca_pem());
  paths.namespace_file = dir.Write("namespace", "srfleet-system");
  paths.host = "127.0.0.1";
  paths.port = std::to_string(sim.server->port());
  absl::StatusOr<RestConfig> config = InClusterConfig(paths);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ns, "srfleet-system");
  ExpectWorks(*NewClient(*config));
}

TEST(KubesimAuthTest, WrongCaIsRefused) {
  Sim sim = Sim::Start();
  absl::StatusOr<tls::CertificateAuthority> other = tls::CertificateAuthority::Create("someone-else");
  ASSERT_TRUE(other.ok());
  RestConfig config = sim.Config();
  config.ca_pem = other->cert_pem();
  absl::StatusOr<Json> r = NewClient(config)->Get(ResourceRef::Core("namespaces", "", "default"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("certificate verification failed"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("GET /api/v1/namespaces/default: TLS handshake"));
  EXPECT_EQ(sim.cluster->counters().total, 0);
}

TEST(KubesimAuthTest, ServerNameMustMatchTheCertificate) {
  Sim sim = Sim::Start();
  RestConfig config = sim.Config();
  config.tls_server_name = "localhost";  // in the certificate: verified by name over an IP connection
  ExpectWorks(*NewClient(config));
  config.tls_server_name = "api.elsewhere.example";
  absl::StatusOr<Json> r = NewClient(config)->Get(ResourceRef::Core("namespaces", "", "default"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("certificate verification failed"));
}

TEST(KubesimAuthTest, InsecureSkipVerifyAndWrongToken) {
  Sim sim = Sim::Start();
  RestConfig config = sim.Config();
  config.ca_pem.clear();
  config.insecure_skip_tls_verify = true;
  ExpectWorks(*NewClient(config));
  config.bearer_token = "wrong";
  absl::StatusOr<Json> r = NewClient(config)->Get(ResourceRef::Core("namespaces", "", "default"));
  EXPECT_TRUE(kube::IsUnauthorized(r.status())) << r.status();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(KubesimAuthTest, PlainHttpAndPathPrefix) {
  kubesim::SimServerOptions options;
  options.tls = false;
  Sim sim = Sim::Start({}, options);
  kubesim::Cluster east;
  sim.server->Mount("/clusters/east", &east);
  RestConfig config = sim.Config();
  config.ca_pem.clear();
  config.server = sim.server->Url("/clusters/east");
  auto client = NewClient(config);
  ASSERT_TRUE(client->Create(kConfigMaps, ConfigMap("default", "only-east", {{"a", "1"}})).ok());
  EXPECT_EQ(east.counters().by_verb["create"], 1);
  EXPECT_EQ(sim.cluster->counters().by_verb["create"], 0);
  sim.server->Mount("/clusters/east", nullptr);
}

// --- object verbs -------------------------------------------------------------

class KubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim = Sim::Start(ClusterOptions());
    ASSERT_NE(sim.server, nullptr);
    client = NewClient(sim.Config());
  }
  virtual kubesim::ClusterOptions ClusterOptions() { return {}; }

  Sim sim;
  std::unique_ptr<KubeClient> client;
};

TEST_F(KubesimTest, CrudAndTypedErrors) {
  absl::StatusOr<Json> created = client->Create(kConfigMaps, ConfigMap("default", "crud", {{"k", "v1"}}));
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string rv1 = Rv(*created);
  EXPECT_FALSE(rv1.empty());

  absl::StatusOr<Json> again = client->Create(kConfigMaps, ConfigMap("default", "crud", {{"k", "v1"}}));
  EXPECT_TRUE(kube::IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);

  Json updated = *created;
  updated["data"]["k"] = "v2";
  absl::StatusOr<Json> put = client->Update(kConfigMaps, updated);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_NE(Rv(*put), rv1);

  // Still carrying rv1: optimistic concurrency refuses it.
  updated["data"]["k"] = "v3";
  absl::StatusOr<Json> stale = client->Update(kConfigMaps, updated);
  EXPECT_TRUE(kube::IsConflict(stale.status())) << stale.status();
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);

  absl::StatusOr<Json> patched =
      client->MergePatch(kConfigMaps.WithName("crud"), {{"data", {{"extra", "x"}, {"k", nullptr}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["data"], Json({{"extra", "x"}}));

  absl::StatusOr<Json> got = client->Get(kConfigMaps.WithName("crud"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Rv(*got), Rv(*patched));

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  EXPECT_TRUE(kube::IsConflict(client->Delete(kConfigMaps.WithName("crud"), wrong_uid).status()));
  DeleteOptions right;
  right.precondition_uid = (*got)["metadata"]["uid"];
  ASSERT_TRUE(client->Delete(kConfigMaps.WithName("crud"), right).ok());
  absl::StatusOr<Json> gone = client->Get(kConfigMaps.WithName("crud"));
  EXPECT_TRUE(kube::IsNotFound(gone.status())) << gone.status();
  std::optional<ApiError> e = GetApiError(gone.status());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->details_name, "crud");
  EXPECT_EQ(e->details_kind, "configmaps");
  EXPECT_TRUE(kube::IsNotFound(client->Delete(kConfigMaps.WithName("crud")).status()));
}

TEST_F(KubesimTest, InvalidObjectCarriesFieldCauses) {
  const Json service = Json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"bad","namespace":"default"},
    "spec":{"selector":{"app":"x"},"ports":[{"name":"http","port":0,"targetPort":8080}]}})");
  absl::StatusOr<Json> r = client->Create(ResourceRef::Core("services", "default"), service);
  ASSERT_TRUE(kube::IsInvalid(r.status())) << r.status();
  std::optional<ApiError> e = GetApiError(r.status());
  ASSERT_TRUE(e.has_value());
  ASSERT_FALSE(e->causes.empty());
  EXPECT_EQ(e->causes[0].field, "spec.ports[0].port");
}

TEST_F(KubesimTest, ServerSideApply) {
  const ResourceRef ref = kConfigMaps.WithName("ssa");
  ApplyOptions a;
  a.field_manager = "a";
  absl::StatusOr<Json> first = client->Apply(ref, ConfigMap("default", "ssa", {{"key", "from-a"}}, {{"app", "demo"}}), a);
  ASSERT_TRUE(first.ok()) << first.status();

  // Re-applying the same intent is a no-op: same resourceVersion.
  absl::StatusOr<Json> same = client->Apply(ref, ConfigMap("default", "ssa", {{"key", "from-a"}}, {{"app", "demo"}}), a);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(Rv(*same), Rv(*first));

  // Another manager setting a field "a" owns: conflict, one cause per field.
  ApplyOptions b;
  b.field_manager = "b";
  absl::StatusOr<Json> conflict = client->Apply(ref, ConfigMap("default", "ssa", {{"key", "from-b"}}), b);
  ASSERT_TRUE(kube::IsConflict(conflict.status())) << conflict.status();
  std::optional<ApiError> e = GetApiError(conflict.status());
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->causes.size(), 1u);
  EXPECT_EQ(e->causes[0].reason, "FieldManagerConflict");
  EXPECT_EQ(e->causes[0].field, ".data.key");

  // Forced, b wins and takes ownership.
  b.force = true;
  absl::StatusOr<Json> forced = client->Apply(ref, ConfigMap("default", "ssa", {{"key", "from-b"}}), b);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*forced)["data"]["key"], "from-b");
  EXPECT_EQ((*forced)["metadata"]["labels"]["app"], "demo");
  std::set<std::string> managers;
  for (const Json& mf : (*forced)["metadata"]["managedFields"]) managers.insert(mf["manager"].get<std::string>());
  EXPECT_EQ(managers, (std::set<std::string>{"a", "b"}));
}

TEST_F(KubesimTest, StatusSubresource) {
  ASSERT_TRUE(sim.cluster->InstallSemanticRouterCrd().ok());
  CreateNamespace(*client, "llm");
  absl::StatusOr<Json> router = ParseYaml(testing_support::ReadFile(testing_support::SourceDir() / "samples" / "simple.yaml"));
  ASSERT_TRUE(router.ok()) << router.status();
  const ResourceRef routers = ResourceRef::Grouped("vllm.ai", "v1alpha1", "semanticrouters", "llm");
  ApplyOptions mine;
  mine.field_manager = "srfleet-test";
  absl::StatusOr<Json> applied = client->Apply(routers, *router, mine);
  ASSERT_TRUE(applied.ok()) << applied.status();
  const ResourceRef one = routers.WithName("simple");

  const Json status = {{"apiVersion", "vllm.ai/v1alpha1"}, {"kind", "SemanticRouter"},
                       {"metadata", {{"name", "simple"}, {"namespace", "llm"}}},
                       {"status", {{"phase", "Progressing"}, {"replicas", 1}}}};
  absl::StatusOr<Json> with_status = client->ApplyStatus(one, status, mine);
  ASSERT_TRUE(with_status.ok()) << with_status.status();
  EXPECT_EQ((*with_status)["status"]["phase"], "Progressing");

  absl::StatusOr<Json> patched = client->MergePatchStatus(one, {{"status", {{"phase", "Running"}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["phase"], "Running");

  // Through /status the spec does not change.
  Json changed = *patched;
  changed["spec"]["replicas"] = 7;
  changed["status"]["readyReplicas"] = 1;
  absl::StatusOr<Json> updated = client->UpdateStatus(one, changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["readyReplicas"], 1);
  EXPECT_NE((*updated)["spec"].value("replicas", 1), 7);

  // ConfigMaps have no status subresource.
  EXPECT_TRUE(kube::IsNotFound(client->MergePatchStatus(kConfigMaps.WithName("x"), {{"status", {}}}).status()));
}

TEST_F(KubesimTest, PaginationAndLabelSelectors) {
  CreateNamespace(*client, "paging");
  const ResourceRef cms = ResourceRef::Core("configmaps", "paging");
  for (int i = 0; i < 23; ++i) {
    const Json labels = {{"app", i % 2 == 0 ? "web" : "db"}, {"tier", i % 3 == 0 ? "a" : "b"}};
    ASSERT_TRUE(client->Create(cms, ConfigMap("paging", absl::StrCat("cm-", i), {{"i", std::to_string(i)}}, labels)).ok());
  }
  ListOptions page;
  page.limit = 5;
  page.label_selector = "app";  // every object we created (not kube-root-ca.crt)
  absl::StatusOr<ObjectList> first = client->List(cms, page);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->items.size(), 5u);
  EXPECT_FALSE(first->continue_token.empty());
  EXPECT_EQ(first->items[0]["kind"], "ConfigMap");

  std::set<std::string> names;
  int pages = 0;
  ListOptions next = page;
  while (true) {
    absl::StatusOr<ObjectList> p = client->List(cms, next);
    ASSERT_TRUE(p.ok()) << p.status();
    ++pages;
    EXPECT_EQ(p->resource_version, first->resource_version);  // one consistent snapshot
    for (const Json& item : p->items) EXPECT_TRUE(names.insert(item["metadata"]["name"]).second);
    if (p->continue_token.empty()) break;
    next.continue_token = p->continue_token;
  }
  EXPECT_EQ(names.size(), 23u);
  EXPECT_EQ(pages, 5);

  absl::StatusOr<ObjectList> all = client->ListAll(cms, page);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 23u);

  auto count = [&](const std::string& selector) {
    ListOptions o;
    o.label_selector = selector;
    absl::StatusOr<ObjectList> l = client->ListAll(cms, o);
    EXPECT_TRUE(l.ok()) << selector << ": " << l.status();
    return l.ok() ? static_cast<int>(l->items.size()) : -1;
  };
  EXPECT_EQ(count("app=web"), 12);
  EXPECT_EQ(count("app!=web,app"), 11);
  EXPECT_EQ(count("app=web,tier=a"), 4);      // i in {0,6,12,18}
  EXPECT_EQ(count("tier in (a),app in (db)"), 4);  // i in {3,9,15,21}
  ListOptions by_field;
  by_field.field_selector = "metadata.name=cm-7";
  absl::StatusOr<ObjectList> one = client->List(cms, by_field);
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0]["data"]["i"], "7");
}

TEST_F(KubesimTest, KeepAliveAndConcurrency) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client->Get(ResourceRef::Core("namespaces", "", "default")).ok());
  EXPECT_EQ(client->transport_stats().connections_opened, 1);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        ApplyOptions o;
        o.field_manager = "t";
        if (client->Apply(kConfigMaps, ConfigMap("default", absl::StrCat("c-", t, "-", i), {{"x", "y"}}), o).ok()) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_LE(client->transport_stats().connections_opened, 5);
}

TEST_F(KubesimTest, Discovery) {
  absl::StatusOr<ServerVersionInfo> v = client->ServerVersion();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->git_version, "v1.30.2");
  absl::StatusOr<std::vector<ApiGroupInfo>> groups = client->ServerGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_EQ(groups->front().name, "");
  EXPECT_TRUE(*client->IsServed("", "v1", "configmaps"));
  EXPECT_TRUE(*client->IsServed("apps", "v1", "deployments"));
  EXPECT_TRUE(*client->IsServed("gateway.networking.k8s.io", "v1", "httproutes"));
  EXPECT_FALSE(*client->IsServed("route.openshift.io", "v1", "routes"));
  sim.cluster->SetDiscovery(/*openshift=*/true, /*gateway_api=*/false, /*kserve=*/false);
  EXPECT_TRUE(*client->IsServed("route.openshift.io", "v1", "routes"));
  EXPECT_FALSE(*client->IsServed("gateway.networking.k8s.io", "v1", "httproutes"));
}

// --- retries --------------------------------------------------------------------

class RecordingObserver : public RequestObserver {
 public:
  void OnRequest(const RequestMetric& m) override {
    std::lock_guard<std::mutex> lock(mu);
    codes.push_back(m.code);
  }
  std::mutex mu;
  std::vector<int> codes;
};

TEST_F(KubesimTest, RetriesTooManyRequestsAfterRetryAfter) {
  auto observer = std::make_shared<RecordingObserver>();
  ClientOptions options;
  options.observer = observer;
  auto c = NewClient(sim.Config(), options);
  kubesim::FaultPlan plan;
  plan.fail_nth_request = 1;
  plan.fail_status = 429;
  plan.retry_after_seconds = 1;
  sim.cluster->SetFaults(plan);
  const absl::Time start = absl::Now();
  absl::StatusOr<Json> r = c->Get(ResourceRef::Core("namespaces", "", "default"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(950));
  EXPECT_THAT(observer->codes, ::testing::ElementsAre(429, 200));
}

TEST_F(KubesimTest, RetriesServerErrorsForReadsAndSafeWrites) {
  auto observer = std::make_shared<RecordingObserver>();
  ClientOptions options;
  options.observer = observer;
  auto c = NewClient(sim.Config(), options);
  kubesim::FaultPlan plan;
  plan.fail_nth_request = 1;
  plan.fail_status = 500;
  sim.cluster->SetFaults(plan);
  ASSERT_TRUE(c->Get(ResourceRef::Core("namespaces", "", "default")).ok());
  // A 500 Status on a create: the server did not apply it, so it is resent.
  sim.cluster->SetFaults(plan);
  absl::StatusOr<Json> created = c->Create(kConfigMaps, ConfigMap("default", "after-500", {{"a", "b"}}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(observer->codes, ::testing::ElementsAre(500, 200, 500, 201));
  // A 504 on a write is ambiguous: not resent.
  plan.fail_status = 504;
  sim.cluster->SetFaults(plan);
  absl::StatusOr<Json> timeout = c->Create(kConfigMaps, ConfigMap("default", "after-504", {{"a", "b"}}));
  EXPECT_FALSE(timeout.ok());
  EXPECT_TRUE(kube::IsNotFound(c->Get(kConfigMaps.WithName("after-504")).status()));
  // Random 503s on reads: all succeed within the attempt budget.
  plan = kubesim::FaultPlan();
  plan.fail_fraction = 0.3;
  plan.fail_status = 503;
  sim.cluster->SetFaults(plan);
  ClientOptions fast;
  fast.max_attempts = 10;
  fast.retry_backoff = {absl::Milliseconds(1), absl::Milliseconds(5), 2.0, 0.5};
  auto patient = NewClient(sim.Config(), fast);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(patient->Get(ResourceRef::Core("namespaces", "", "default")).ok());
  sim.cluster->SetFaults(kubesim::FaultPlan());
}

// --- watches ----------------------------------------------------------------------

// What a cache sitting on a ListWatcher sees.
struct Recorder {
  std::mutex mu;
  std::map<std::string, Json> cache;
  std::vector<std::string> event_rvs;
  std::map<std::string, std::vector<int64_t>> rvs_by_name;
  int snapshots = 0;
  std::string last_rv;

  ListWatcher::Handlers Handlers() {
    ListWatcher::Handlers h;
    h.on_snapshot = [this](std::vector<Json> items, const std::string& rv) {
      std::lock_guard<std::mutex> lock(mu);
      cache.clear();
      for (Json& item : items) {
        std::string name = Name(item);
        cache[name] = std::move(item);
      }
      ++snapshots;
      last_rv = rv;
    };
    h.on_event = [this](const WatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu);
      const std::string name = Name(e.object);
      if (e.type == WatchEventType::kDeleted) {
        cache.erase(name);
      } else {
        cache[name] = e.object;
      }
      event_rvs.push_back(e.ResourceVersion());
      rvs_by_name[name].push_back(std::stoll(e.ResourceVersion()));
      last_rv = e.ResourceVersion();
    };
    return h;
  }

  bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (done()) return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }
};

// Runs a ListWatcher on its own thread for the scope.
class RunningListWatcher {
 public:
  RunningListWatcher(KubeClient& client, ResourceRef ref, ListWatcherOptions options, Recorder& recorder)
      : watcher_(client, std::move(ref), std::move(options)),
        thread_([this, &recorder] { result_ = watcher_.Run(recorder.Handlers(), cancel_); }) {}
  ~RunningListWatcher() {
    cancel_.Cancel();
    thread_.join();
  }
  ListWatcher& watcher() { return watcher_; }

 private:
  CancelToken cancel_;
  ListWatcher watcher_;
  absl::Status result_;
  std::thread thread_;
};

std::map<std::string, std::string> Names(const std::map<std::string, Json>& cache) {
  std::map<std::string, std::string> out;
  for (const auto& [name, obj] : cache) out[name] = Rv(obj);
  return out;
}

void ExpectCacheMatchesServer(KubeClient& client, const ResourceRef& ref, Recorder& recorder) {
  absl::StatusOr<ObjectList> truth = client.ListAll(ref);
  ASSERT_TRUE(truth.ok()) << truth.status();
  std::map<std::string, Json> server;
  for (Json& item : truth->items) {
    std::string name = Name(item);
    server.emplace(std::move(name), std::move(item));
  }
  const bool converged = recorder.WaitFor([&] { return Names(recorder.cache) == Names(server); });
  std::lock_guard<std::mutex> lock(recorder.mu);
  EXPECT_TRUE(converged);
  EXPECT_EQ(Names(recorder.cache), Names(server));
}

TEST_F(KubesimTest, WatchResumesAfterDropsWithoutLosingOrDuplicatingEvents) {
  CreateNamespace(*client, "resume");
  const ResourceRef cms = ResourceRef::Core("configmaps", "resume");
  auto writer = NewClient(sim.Config());
  Recorder recorder;
  ListWatcherOptions options;
  options.backoff = {absl::Milliseconds(20), absl::Milliseconds(200), 2.0, 0.5};
  RunningListWatcher lw(*client, cms, options, recorder);
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.snapshots == 1; }));

  std::vector<std::string> written;
  ApplyOptions apply;
  apply.field_manager = "writer";
  for (int i = 0; i < 60; ++i) {
    // Server-side apply is idempotent, so the writer rides through the
    // connection drops too.
    absl::StatusOr<Json> r =
        writer->Apply(cms, ConfigMap("resume", absl::StrCat("cm-", i % 8), {{"n", std::to_string(i)}}), apply);
    ASSERT_TRUE(r.ok()) << r.status();
    written.push_back(Rv(*r));
    // Deletes are not idempotent: a drop right before one could fail it
    // (as with any client), so they come before the drop of the round.
    if (i % 13 == 0) {
      absl::StatusOr<Json> deleted = writer->Delete(cms.WithName(absl::StrCat("cm-", i % 8)));
      ASSERT_TRUE(deleted.ok()) << deleted.status();
    }
    if (i % 7 == 3) {
      // Wait until the watch has seen this write, then cut it.
      ASSERT_TRUE(recorder.WaitFor([&] {
        return !recorder.last_rv.empty() && std::stoll(recorder.last_rv) >= std::stoll(written.back());
      }));
      if (i % 2 == 0) {
        sim.server->DropConnections();
      } else {
        sim.cluster->DropWatches();
      }
    }
  }
  ExpectCacheMatchesServer(*client, cms, recorder);
  std::lock_guard<std::mutex> lock(recorder.mu);
  // No duplicate: the resourceVersions seen only ever grow.
  for (const auto& [name, rvs] : recorder.rvs_by_name) {
    for (size_t i = 1; i < rvs.size(); ++i) EXPECT_LT(rvs[i - 1], rvs[i]) << name;
  }
  for (size_t i = 1; i < recorder.event_rvs.size(); ++i) {
    EXPECT_LT(std::stoll(recorder.event_rvs[i - 1]), std::stoll(recorder.event_rvs[i]));
  }
  // No loss: every write came through as an event (no relist happened).
  const std::set<std::string> seen(recorder.event_rvs.begin(), recorder.event_rvs.end());
  for (const std::string& rv : written) EXPECT_TRUE(seen.count(rv)) << "missed rv " << rv;
  const ListWatcherStats stats = lw.watcher().stats();
  EXPECT_EQ(stats.lists, 1);
  EXPECT_EQ(stats.relists_on_gone, 0);
  EXPECT_GE(stats.resumes, 8);
}

class SmallWatchCacheTest : public KubesimTest {
 protected:
  kubesim::ClusterOptions ClusterOptions() override {
    kubesim::ClusterOptions o;
    o.watch_cache_events = 5;
    return o;
  }
};

TEST_F(SmallWatchCacheTest, WatchFromAnExpiredVersionIsGone) {
  absl::StatusOr<ObjectList> list = client->List(kConfigMaps);
  ASSERT_TRUE(list.ok());
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(client->Create(kConfigMaps, ConfigMap("default", absl::StrCat("g", i), {})).ok());
  CancelToken cancel;
  WatchOptions options;
  options.resource_version = list->resource_version;
  int events = 0;
  absl::Status s = client->Watch(kConfigMaps, options, [&](const WatchEvent&) { ++events; }, cancel);
  EXPECT_TRUE(kube::IsGone(s)) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(events, 0);
}

TEST_F(SmallWatchCacheTest, ListWatcherRelistsAfterGone) {
  CreateNamespace(*client, "relist");
  const ResourceRef cms = ResourceRef::Core("configmaps", "relist");
  auto writer = NewClient(sim.Config());
  Recorder recorder;
  ListWatcherOptions options;
  // Reconnect slowly after a drop, so that the writes below push the
  // watcher's resourceVersion out of the 5-event window meanwhile.
  options.backoff = {absl::Seconds(1), absl::Seconds(1), 2.0, 0.0};
  RunningListWatcher lw(*client, cms, options, recorder);
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.snapshots == 1; }));
  ApplyOptions apply;
  apply.field_manager = "writer";
  ASSERT_TRUE(writer->Apply(cms, ConfigMap("relist", "first", {{"a", "1"}}), apply).ok());
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.cache.count("first") == 1; }));
  sim.server->DropConnections();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(writer->Apply(cms, ConfigMap("relist", absl::StrCat("cm-", i), {{"i", std::to_string(i)}}), apply).ok());
  }
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.snapshots >= 2; }));
  ExpectCacheMatchesServer(*client, cms, recorder);
  const ListWatcherStats stats = lw.watcher().stats();
  EXPECT_GE(stats.relists_on_gone, 1);
  EXPECT_GE(stats.lists, 2);
}

class BookmarkTest : public KubesimTest {
 protected:
  kubesim::ClusterOptions ClusterOptions() override {
    kubesim::ClusterOptions o;
    o.bookmark_every = 2;
    return o;
  }
};

TEST_F(BookmarkTest, BookmarksArriveAndMoveTheResumePoint) {
  absl::StatusOr<ObjectList> list = client->List(kConfigMaps);
  ASSERT_TRUE(list.ok());
  CancelToken cancel;
  std::mutex mu;
  std::vector<WatchEvent> events;
  std::thread watcher([&] {
    WatchOptions options;
    options.resource_version = list->resource_version;
    options.allow_bookmarks = true;
    absl::Status s = client->Watch(kConfigMaps, options,
                                   [&](const WatchEvent& e) {
                                     std::lock_guard<std::mutex> lock(mu);
                                     events.push_back(e);
                                   },
                                   cancel);
    EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
  });
  // Bookmarks come with live events: write once the watch is open.
  auto watch_open = [&] {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (sim.cluster->open_watches() == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
    return sim.cluster->open_watches() > 0;
  };
  ASSERT_TRUE(watch_open());
  auto writer = NewClient(sim.Config());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(writer->Create(kConfigMaps, ConfigMap("default", absl::StrCat("b", i), {})).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int added = 0, bookmarks = 0;
  while (absl::Now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu);
      added = bookmarks = 0;
      for (const WatchEvent& e : events) {
        added += e.type == WatchEventType::kAdded;
        bookmarks += e.type == WatchEventType::kBookmark;
      }
    }
    if (added == 6 && bookmarks >= 1) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  cancel.Cancel();
  watcher.join();
  EXPECT_EQ(added, 6);
  EXPECT_GE(bookmarks, 1);
  for (const WatchEvent& e : events) {
    if (e.type == WatchEventType::kBookmark) {
      EXPECT_FALSE(e.ResourceVersion().empty());
    }
  }

  // A ListWatcher counts them and resumes from them.
  Recorder recorder;
  RunningListWatcher lw(*client, kConfigMaps, {}, recorder);
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.snapshots == 1; }));
  ASSERT_TRUE(watch_open());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Create(kConfigMaps, ConfigMap("default", absl::StrCat("lb", i), {})).ok());
  ASSERT_TRUE(recorder.WaitFor([&] { return recorder.cache.count("lb3") == 1; }));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_GE(lw.watcher().stats().bookmarks, 1);
}

TEST_F(KubesimTest, WatchCancelReturnsPromptly) {
  CancelToken cancel;
  absl::Status result;
  std::thread t([&] { result = client->Watch(kConfigMaps, {}, [](const WatchEvent&) {}, cancel); });
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  cancel.Cancel();
  t.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(result.code(), absl::StatusCode::kCancelled) << result;
}

}  // namespace
}  // namespace srfleet::kube
