// The fleet commands end to end against an in-process Fleet service: tables,
// JSON/YAML, messages and exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "hub/cli/apply_command.h"
#include "hub/cli/cluster_commands.h"
#include "hub/cli/describe_command.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/get_command.h"
#include "hub/cli/hub_connection.h"
#include "hub/cli/router_commands.h"
#include "hub/cli/watch_command.h"
#include "shared/json/json.h"
#include "shared/json/yaml_codec.h"
#include "tests/hub/cli/fake_fleet.h"
#include "tests/support/test_files.h"

namespace srfleet::cli {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::FakeHub;

namespace fs = std::filesystem;

const absl::Time kNow = absl::FromUnixSeconds(1714557600);  // 2024-05-01T10:00:00Z
int64_t Ago(absl::Duration d) { return absl::ToUnixMillis(kNow - d); }

fs::path TempFile(const std::string& name, const std::string& content) {
  auto path = fs::temp_directory_path() / ("srfleet-cli-test-" + name);
  testing_support::WriteFile(path, content);
  return path;
}

std::string RouterYaml(const std::string& name, const std::string& ns_line = "", const std::string& model = "m1") {
  return "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata:\n  name: " + name + "\n" + ns_line +
         "spec:\n  vllmEndpoints:\n    - name: e\n      model: " + model +
         "\n      backend: {type: service, service: {name: vllm, port: 8000}}\n";
}

// A fleet with three clusters and three routers in various states.
void Seed(testing::FakeFleet& f) {
  std::lock_guard<std::mutex> lock(f.mu);
  auto& eu = f.clusters["eu-1"];
  eu.set_name("eu-1");
  eu.set_state("Connected");
  (*eu.mutable_labels())["region"] = "eu";
  (*eu.mutable_labels())["env"] = "prod";
  (*eu.mutable_claims())["srfleet.io/platform"] = "openshift";
  (*eu.mutable_claims())["srfleet.io/kubernetes-version"] = "1.29";
  eu.set_agent_version("0.1.0");
  eu.set_registered_unix_ms(Ago(absl::Hours(52)));
  eu.set_last_seen_unix_ms(Ago(absl::Seconds(5)));
  eu.set_state_since_unix_ms(Ago(absl::Hours(3)));
  eu.set_routers(2);
  eu.set_routers_ready(2);
  eu.set_intents_assigned(2);
  eu.set_intents_acked(2);
  eu.set_peer("ipv4:10.0.0.5:51234");
  auto& us = f.clusters["us-1"];
  us.set_name("us-1");
  us.set_state("Disconnected");
  (*us.mutable_labels())["env"] = "prod";
  (*us.mutable_claims())["srfleet.io/platform"] = "kubernetes";
  (*us.mutable_claims())["srfleet.io/kubernetes-version"] = "1.30";
  us.set_agent_version("0.1.0");
  us.set_registered_unix_ms(Ago(absl::Hours(240)));
  us.set_last_seen_unix_ms(Ago(absl::Minutes(45)));
  us.set_routers(1);
  us.set_intents_assigned(2);
  us.set_intents_acked(1);
  us.set_intents_nacked(1);
  auto& lab = f.clusters["lab"];
  lab.set_name("lab");
  lab.set_state("Registered");
  lab.set_registered_unix_ms(Ago(absl::Seconds(45)));

  auto add_intent = [&](const std::string& ns, const std::string& name, int64_t rev, absl::Duration age,
                        std::vector<std::string> targets) -> v1::IntentView& {
    auto& v = f.intents[ns + "/" + name];
    v.set_intent_id(ns + "/" + name);
    v.set_namespace_(ns);
    v.set_name(name);
    v.set_revision(rev);
    v.set_checksum("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    v.set_created_unix_ms(Ago(age));
    v.set_updated_unix_ms(Ago(absl::Minutes(1)));
    v.set_hub_managed(true);
    for (auto& t : targets) v.add_target_clusters(t);
    return v;
  };
  auto running = [](v1::IntentView& v, const std::string& cluster, int64_t rev) -> v1::Delivery& {
    auto* d = v.add_deliveries();
    d->set_cluster(cluster);
    d->set_pushed_revision(v.revision());
    d->set_acked_revision(rev);
    d->set_cluster_state("Connected");
    auto* s = d->mutable_status();
    s->set_namespace_(v.namespace_());
    s->set_name(v.name());
    s->set_intent_id(v.intent_id());
    s->set_intent_revision(rev);
    s->set_phase("Running");
    s->set_replicas(2);
    s->set_ready_replicas(2);
    s->set_generation(3);
    s->set_observed_generation(3);
    auto* c = s->add_conditions();
    c->set_type("Ready");
    c->set_status("True");
    c->set_reason("AllReplicasReady");
    c->set_message("2/2 replicas ready");
    s->add_backends("10.0.0.7:8000");
    return *d;
  };
  auto& alpha = add_intent("llm", "alpha", 12, absl::Hours(3), {"eu-1", "us-1"});
  (*alpha.mutable_placement()->mutable_match_labels())["env"] = "prod";
  running(alpha, "eu-1", 12);
  running(alpha, "us-1", 12);
  auto& beta = add_intent("llm", "beta", 14, absl::Minutes(5) + absl::Seconds(12), {"eu-1", "us-1"});
  (*beta.mutable_placement()->mutable_match_labels())["env"] = "prod";
  running(beta, "eu-1", 14);
  auto& nacked = running(beta, "us-1", 13);
  nacked.set_cluster_state("Disconnected");
  nacked.set_nack_error("spec.vllmEndpoints[0].backend: inferenceServiceName is required");
  nacked.set_nack_revision(14);
  auto& gamma = add_intent("default", "gamma", 3, absl::Hours(48), {});
  auto* e = gamma.mutable_placement()->add_match_expressions();
  e->set_key("gpu");
  e->set_operator_("Exists");
}

class FleetCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { api_ = hub_.Client(); }
  FleetApi& api() { return *api_; }
  testing::FakeFleet& fleet() { return hub_.fleet(); }
  int Calls() {
    std::lock_guard<std::mutex> lock(fleet().mu);
    return fleet().calls;
  }

  FakeHub hub_;
  std::unique_ptr<FleetApi> api_;
  std::ostringstream out_, err_;
};

// ---- apply -------------------------------------------------------------------------------

TEST_F(FleetCommandsTest, ApplyCreatesConfiguresAndReportsUnchanged) {
  Seed(fleet());
  ApplyArgs args;
  args.files = {(testing_support::SourceDir() / "samples/simple.yaml").string()};
  args.placement = "env=prod";
  EXPECT_EQ(RunApply(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(), "semanticrouter.vllm.ai/llm/simple created (revision 1 → 2 clusters: eu-1, us-1)\n");
  EXPECT_THAT(err_.str(), IsEmpty());
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    ASSERT_EQ(fleet().apply_requests.size(), 1u);
    const auto& req = fleet().apply_requests[0];
    Json manifest = Json::parse(req.manifest_json());
    EXPECT_EQ(manifest["kind"], "SemanticRouter");
    EXPECT_EQ(manifest["metadata"]["name"], "simple");
    EXPECT_EQ(manifest["metadata"]["namespace"], "llm");
    EXPECT_EQ(manifest["spec"]["vllmEndpoints"][0]["model"], "qwen2.5-7b-instruct");
    EXPECT_EQ(req.placement().match_labels().at("env"), "prod");
    EXPECT_FALSE(req.dry_run());
    EXPECT_EQ(req.expected_revision(), 0);
  }

  std::ostringstream again;
  EXPECT_EQ(RunApply(args, api(), again, err_), kOk);
  EXPECT_EQ(again.str(), "semanticrouter.vllm.ai/llm/simple unchanged (revision 1 → 2 clusters: eu-1, us-1)\n");

  args.placement = "srfleet.io/platform=openshift";
  std::ostringstream moved;
  EXPECT_EQ(RunApply(args, api(), moved, err_), kOk);
  EXPECT_EQ(moved.str(), "semanticrouter.vllm.ai/llm/simple configured (revision 2 → 1 cluster: eu-1)\n");
}

TEST_F(FleetCommandsTest, ApplySendsOneIntentPerRouterWithTheDefaultNamespace) {
  Seed(fleet());
  auto file = TempFile("two.yaml", RouterYaml("one") + "---\n" + RouterYaml("two", "  namespace: other\n") +
                                       "---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n" +
                                       "---\nkind: ConfigMap\nmetadata: {name: [odd]}\n");
  ApplyArgs args;
  args.files = {file.string()};
  args.ns = "team";
  EXPECT_EQ(RunApply(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "semanticrouter.vllm.ai/team/one created (revision 1 → 3 clusters: eu-1, lab, us-1)\n"
            "semanticrouter.vllm.ai/other/two created (revision 2 → 3 clusters: eu-1, lab, us-1)\n");
  EXPECT_THAT(err_.str(), HasSubstr("note: " + file.string() + ": skipping Secret creds (not a SemanticRouter"));
  EXPECT_THAT(err_.str(), HasSubstr("note: " + file.string() + ": skipping ConfigMap (not a SemanticRouter"));
  std::lock_guard<std::mutex> lock(fleet().mu);
  ASSERT_EQ(fleet().apply_requests.size(), 2u);
  EXPECT_EQ(fleet().apply_requests[0].default_namespace(), "team");
  EXPECT_EQ(Json::parse(fleet().apply_requests[0].manifest_json())["metadata"]["namespace"], "team");
  EXPECT_EQ(fleet().apply_requests[0].placement().ByteSizeLong(), 0u);  // every cluster
}

TEST_F(FleetCommandsTest, ApplyRefusesInvalidManifestsLocallyAndSendsNothing) {
  auto good = TempFile("good.yaml", RouterYaml("good"));
  auto bad = TempFile("bad.yaml", R"(apiVersion: vllm.ai/v1alpha1
kind: SemanticRouter
metadata: {name: bad}
spec:
  replicas: -1
  vllmEndpoints:
    - {name: a, model: m, backend: {type: kserve}}
)");
  ApplyArgs args;
  args.files = {good.string(), bad.string()};
  EXPECT_EQ(RunApply(args, api(), out_, err_), kInvalidInput);
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_THAT(err_.str(), AllOf(HasSubstr("error: " + bad.string() + ":"),
                                HasSubstr("spec.replicas: must be greater than or equal to 0"),
                                HasSubstr("spec.vllmEndpoints[0].backend: inferenceServiceName is required")));
  EXPECT_EQ(Calls(), 0);
}

TEST_F(FleetCommandsTest, ApplySurvivesOddDocuments) {
  // A non-string kind makes the model's nlohmann value() throw; the CLI
  // reports it as invalid input instead of aborting.
  ApplyArgs args;
  args.files = {TempFile("odd.yaml", RouterYaml("fine") + "---\nkind: 7\n").string()};
  EXPECT_EQ(RunApply(args, api(), out_, err_), kInvalidInput);
  EXPECT_THAT(err_.str(), HasSubstr("odd.yaml:"));
  EXPECT_EQ(Calls(), 0);
}

TEST_F(FleetCommandsTest, ApplyRefusesABadPlacementAndSendsNothing) {
  ApplyArgs args;
  args.files = {TempFile("p.yaml", RouterYaml("p")).string()};
  args.placement = "env in (prod";
  EXPECT_EQ(RunApply(args, api(), out_, err_), kInvalidInput);
  EXPECT_EQ(err_.str(), "error: --placement: selector \"env in (prod\": missing \")\" at column 13\n");
  EXPECT_EQ(Calls(), 0);
}

TEST_F(FleetCommandsTest, ApplyUsageIoAndDuplicateErrors) {
  ApplyArgs none;
  EXPECT_EQ(RunApply(none, api(), out_, err_), kUsage);
  ApplyArgs missing;
  missing.files = {"/nonexistent/router.yaml"};
  EXPECT_EQ(RunApply(missing, api(), out_, err_), kIoError);
  EXPECT_THAT(err_.str(), HasSubstr("cannot read /nonexistent/router.yaml"));
  ApplyArgs twice;
  auto a = TempFile("dup-a.yaml", RouterYaml("same"));
  auto b = TempFile("dup-b.yaml", RouterYaml("same"));
  twice.files = {a.string(), b.string()};
  EXPECT_EQ(RunApply(twice, api(), out_, err_), kInvalidInput);
  EXPECT_THAT(err_.str(), HasSubstr("semanticrouter.vllm.ai/default/same is given twice"));
  ApplyArgs empty;
  empty.files = {TempFile("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n").string()};
  EXPECT_EQ(RunApply(empty, api(), out_, err_), kInvalidInput);
  EXPECT_THAT(err_.str(), HasSubstr("error: no SemanticRouter in"));
  EXPECT_EQ(Calls(), 0);
}

TEST_F(FleetCommandsTest, ApplyDryRunAndNoMatchingCluster) {
  ApplyArgs args;
  args.files = {TempFile("dry.yaml", RouterYaml("dry")).string()};
  args.placement = "env=nowhere";
  args.dry_run = true;
  EXPECT_EQ(RunApply(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "semanticrouter.vllm.ai/default/dry created (dry run → no cluster matches the placement)\n");
  EXPECT_THAT(err_.str(), HasSubstr("warning: semanticrouter.vllm.ai/default/dry: no cluster matches --placement "
                                    "\"env=nowhere\"; it will be delivered when one does"));
  std::lock_guard<std::mutex> lock(fleet().mu);
  EXPECT_TRUE(fleet().apply_requests.at(0).dry_run());
  EXPECT_TRUE(fleet().intents.empty());
}

TEST_F(FleetCommandsTest, ApplyReportsHubRefusalsPerRouterAndContinues) {
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().fail["ApplyIntent"] =
        grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "expected revision 3, the intent is at 4");
  }
  auto file = TempFile("refused.yaml", RouterYaml("r1") + "---\n" + RouterYaml("r2"));
  ApplyArgs args;
  args.files = {file.string()};
  EXPECT_EQ(RunApply(args, api(), out_, err_), kInvalidInput);
  EXPECT_EQ(err_.str(),
            "error: semanticrouter.vllm.ai/default/r1: expected revision 3, the intent is at 4\n"
            "error: semanticrouter.vllm.ai/default/r2: expected revision 3, the intent is at 4\n");
  std::lock_guard<std::mutex> lock(fleet().mu);
  fleet().fail["ApplyIntent"] = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "spec.x: unknown field");
}

TEST_F(FleetCommandsTest, ApplyStopsAtTheFirstPermissionError) {
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().fail["GetIntent"] = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "client certificate required");
  }
  ApplyArgs args;
  args.files = {TempFile("perm.yaml", RouterYaml("r1") + "---\n" + RouterYaml("r2")).string()};
  EXPECT_EQ(RunApply(args, api(), out_, err_), kPermission);
  EXPECT_EQ(Calls(), 1);
  EXPECT_THAT(err_.str(), HasSubstr("pass --tls-cert and --tls-key"));
}

// ---- get routers -------------------------------------------------------------------------------

TEST_F(FleetCommandsTest, GetRoutersTableAcrossNamespaces) {
  Seed(fleet());
  GetRoutersArgs args;
  args.all_namespaces = true;
  args.now = kNow;
  EXPECT_EQ(RunGetRouters(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "NAMESPACE   NAME    REVISION   CLUSTERS   READY   PHASE         AGE\n"
            "default     gamma   3          0          0/0     Unscheduled   2d\n"
            "llm         alpha   12         2          2/2     Running       3h\n"
            "llm         beta    14         2          1/2     NACKed        5m12s\n");
  std::lock_guard<std::mutex> lock(fleet().mu);
  EXPECT_EQ(fleet().list_requests.at(0).namespace_(), "");
}

TEST_F(FleetCommandsTest, GetRoutersScopesToANamespace) {
  Seed(fleet());
  GetRoutersArgs args;
  args.now = kNow;
  EXPECT_EQ(RunGetRouters(args, api(), out_, err_), kOk);
  EXPECT_THAT(out_.str(), AllOf(HasSubstr("gamma"), Not(HasSubstr("alpha"))));
  args.ns = "llm";
  std::ostringstream llm;
  EXPECT_EQ(RunGetRouters(args, api(), llm, err_), kOk);
  EXPECT_THAT(llm.str(), AllOf(HasSubstr("alpha"), HasSubstr("beta"), Not(HasSubstr("gamma"))));
  std::lock_guard<std::mutex> lock(fleet().mu);
  EXPECT_EQ(fleet().list_requests.at(0).namespace_(), "default");
  EXPECT_EQ(fleet().list_requests.at(1).namespace_(), "llm");
}

TEST_F(FleetCommandsTest, GetRoutersWide) {
  Seed(fleet());
  GetRoutersArgs args;
  args.all_namespaces = true;
  args.output = "wide";
  args.now = kNow;
  EXPECT_EQ(RunGetRouters(args, api(), out_, err_), kOk);
  EXPECT_EQ(out_.str(),
            "NAMESPACE   NAME    REVISION   CLUSTERS   READY   PHASE         AGE     PLACEMENT   CHECKSUM\n"
            "default     gamma   3          0          0/0     Unscheduled   2d      gpu         0123456789ab\n"
            "llm         alpha   12         2          2/2     Running       3h      env=prod    0123456789ab\n"
            "llm         beta    14         2          1/2     NACKed        5m12s   env=prod    0123456789ab\n");
}

TEST_F(FleetCommandsTest, GetRouterByNameAsJsonYamlAndName) {
  Seed(fleet());
  GetRoutersArgs args;
  args.name = "alpha";
  args.ns = "llm";
  args.output = "json";
  EXPECT_EQ(RunGetRouters(args, api(), out_, err_), kOk) << err_.str();
  Json view = Json::parse(out_.str());
  EXPECT_EQ(view["intentId"], "llm/alpha");
  EXPECT_EQ(view["revision"], "12");  // protobuf JSON: int64 as a string
  EXPECT_EQ(view["targetClusters"], Json::array({"eu-1", "us-1"}));
  EXPECT_EQ(view["deliveries"][0]["status"]["phase"], "Running");
  EXPECT_EQ(view["manifestJson"], "");  // every field printed
  EXPECT_THAT(out_.str(), HasSubstr("\n  \"intentId\": \"llm/alpha\""));  // kubectl's indent

  args.output = "yaml";
  std::ostringstream yaml;
  EXPECT_EQ(RunGetRouters(args, api(), yaml, err_), kOk);
  auto parsed = ParseYaml(yaml.str());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["intentId"], "llm/alpha");
  EXPECT_THAT(yaml.str(), HasSubstr("intentId: llm/alpha\n"));

  GetRoutersArgs all;
  all.all_namespaces = true;
  all.output = "name";
  std::ostringstream names;
  EXPECT_EQ(RunGetRouters(all, api(), names, err_), kOk);
  EXPECT_EQ(
      names.str(),
      "semanticrouter.vllm.ai/default/gamma\nsemanticrouter.vllm.ai/llm/alpha\nsemanticrouter.vllm.ai/llm/beta\n");

  all.output = "json";
  std::ostringstream list;
  EXPECT_EQ(RunGetRouters(all, api(), list, err_), kOk);
  EXPECT_EQ(Json::parse(list.str())["intents"].size(), 3u);
}

TEST_F(FleetCommandsTest, GetRoutersErrors) {
  Seed(fleet());
  GetRoutersArgs missing;
  missing.name = "nope";
  missing.ns = "llm";
  EXPECT_EQ(RunGetRouters(missing, api(), out_, err_), kNotFound);
  EXPECT_THAT(err_.str(), HasSubstr("error: semanticrouter.vllm.ai/llm/nope: not found"));

  GetRoutersArgs both;
  both.ns = "llm";
  both.all_namespaces = true;
  EXPECT_EQ(RunGetRouters(both, api(), out_, err_), kUsage);
  GetRoutersArgs named_all;
  named_all.name = "alpha";
  named_all.all_namespaces = true;
  EXPECT_EQ(RunGetRouters(named_all, api(), out_, err_), kUsage);
  GetRoutersArgs bad_output;
  bad_output.output = "table";
  EXPECT_EQ(RunGetRouters(bad_output, api(), out_, err_), kUsage);

  GetRoutersArgs empty;
  empty.ns = "void";
  std::ostringstream out, err;
  EXPECT_EQ(RunGetRouters(empty, api(), out, err), kOk);
  EXPECT_THAT(out.str(), IsEmpty());
  EXPECT_EQ(err.str(), "No routers found in void namespace.\n");
}

// ---- get clusters ---------------------------------------------------------------------------

TEST_F(FleetCommandsTest, GetClustersTable) {
  Seed(fleet());
  GetClustersArgs args;
  args.now = kNow;
  EXPECT_EQ(RunGetClusters(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "NAME   STATE          PLATFORM     VERSION     ROUTERS   READY   LAST-SEEN   AGE\n"
            "eu-1   Connected      openshift    1.29        2         2/2     5s          2d4h\n"
            "lab    Registered     <unknown>    <unknown>   0         0/0     <unknown>   45s\n"
            "us-1   Disconnected   kubernetes   1.30        1         0/1     45m         10d\n");
}

TEST_F(FleetCommandsTest, GetClustersWideNameJsonAndNotFound) {
  Seed(fleet());
  GetClustersArgs args;
  args.now = kNow;
  args.output = "wide";
  EXPECT_EQ(RunGetClusters(args, api(), out_, err_), kOk);
  EXPECT_EQ(out_.str(),
            "NAME   STATE          PLATFORM     VERSION     ROUTERS   READY   LAST-SEEN   AGE    LABELS               "
            "AGENT\n"
            "eu-1   Connected      openshift    1.29        2         2/2     5s          2d4h   env=prod,region=eu   "
            "0.1.0\n"
            "lab    Registered     <unknown>    <unknown>   0         0/0     <unknown>   45s    <none>               "
            "<unknown>\n"
            "us-1   Disconnected   kubernetes   1.30        1         0/1     45m         10d    env=prod             "
            "0.1.0\n");

  args.output = "name";
  std::ostringstream names;
  EXPECT_EQ(RunGetClusters(args, api(), names, err_), kOk);
  EXPECT_EQ(names.str(), "cluster/eu-1\ncluster/lab\ncluster/us-1\n");

  args.name = "eu-1";
  args.output = "json";
  std::ostringstream json;
  EXPECT_EQ(RunGetClusters(args, api(), json, err_), kOk);
  Json c = Json::parse(json.str());
  EXPECT_EQ(c["name"], "eu-1");
  EXPECT_EQ(c["claims"]["srfleet.io/platform"], "openshift");
  EXPECT_EQ(c["routersReady"], 2);

  args.name = "mars";
  std::ostringstream err;
  EXPECT_EQ(RunGetClusters(args, api(), json, err), kNotFound);
  EXPECT_EQ(err.str(), "error: cluster/mars: not found (cluster mars not found)\n");
}

// ---- describe ----------------------------------------------------------------------------------

TEST_F(FleetCommandsTest, DescribeRouterShowsClustersConditionsBackendsAndNacks) {
  Seed(fleet());
  DescribeRouterArgs args;
  args.name = "llm/beta";
  args.now = kNow;
  EXPECT_EQ(RunDescribeRouter(args, api(), out_, err_), kOk) << err_.str();
  const std::string s = out_.str();
  EXPECT_THAT(s, HasSubstr("Name:         beta\n"));
  EXPECT_THAT(s, HasSubstr("Namespace:    llm\n"));
  EXPECT_THAT(s, HasSubstr("Revision:     14\n"));
  EXPECT_THAT(s, HasSubstr("Checksum:     0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"));
  EXPECT_THAT(s, HasSubstr("Placement:    env=prod\n"));
  EXPECT_THAT(s, HasSubstr("Created:      2024-05-01T09:54:48Z (5m12s ago)\n"));
  EXPECT_THAT(s, HasSubstr("Phase:        NACKed (1/2 clusters ready)\n"));
  EXPECT_THAT(s, HasSubstr("Nacked:       cluster us-1 refused revision 14: spec.vllmEndpoints[0].backend: "
                           "inferenceServiceName is required\n"));
  EXPECT_THAT(s, HasSubstr("Clusters:\n"
                           "  CLUSTER   STATE          PUSHED   ACKED   PHASE     READY\n"
                           "  eu-1      Connected      14       14      Running   2/2\n"
                           "  us-1      Disconnected   14       13      NACKed    2/2\n"));
  EXPECT_THAT(s,
              HasSubstr("Cluster us-1:\n"
                        "  Nacked:  revision 14: spec.vllmEndpoints[0].backend: inferenceServiceName is required\n"));
  EXPECT_THAT(s, HasSubstr("  Running Revision:   13 (intent is at 14)\n"));
  EXPECT_THAT(s, HasSubstr("  Conditions:\n"
                           "    TYPE    STATUS   REASON             MESSAGE\n"
                           "    Ready   True     AllReplicasReady   2/2 replicas ready\n"
                           "  Backends:\n"
                           "    10.0.0.7:8000\n"));
}

TEST_F(FleetCommandsTest, DescribeRouterWithoutTargetsAndNotFound) {
  Seed(fleet());
  DescribeRouterArgs args;
  args.name = "gamma";
  args.now = kNow;
  EXPECT_EQ(RunDescribeRouter(args, api(), out_, err_), kOk);
  EXPECT_THAT(out_.str(), HasSubstr("Placement:    gpu\n"));
  EXPECT_THAT(out_.str(), HasSubstr("Phase:        Unscheduled (0/0 clusters ready)\n"));
  EXPECT_THAT(out_.str(), HasSubstr("Clusters:     <none> (no cluster matches the placement)\n"));

  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().intents["default/gamma"].clear_placement();
  }
  std::ostringstream all;
  EXPECT_EQ(RunDescribeRouter(args, api(), all, err_), kOk);
  EXPECT_THAT(all.str(), HasSubstr("Placement:    <all clusters>\n"));

  args.name = "nope";
  std::ostringstream err;
  EXPECT_EQ(RunDescribeRouter(args, api(), out_, err), kNotFound);
  EXPECT_THAT(err.str(), HasSubstr("semanticrouter.vllm.ai/default/nope: not found"));
}

TEST_F(FleetCommandsTest, DescribeCluster) {
  Seed(fleet());
  DescribeClusterArgs args;
  args.name = "us-1";
  args.now = kNow;
  EXPECT_EQ(RunDescribeCluster(args, api(), out_, err_), kOk) << err_.str();
  const std::string s = out_.str();
  EXPECT_THAT(s, HasSubstr("Name:         us-1\n"));
  EXPECT_THAT(s, HasSubstr("State:        Disconnected\n"));
  EXPECT_THAT(s, HasSubstr("Claims:       srfleet.io/kubernetes-version=1.30\n"
                           "              srfleet.io/platform=kubernetes\n"));
  EXPECT_THAT(s, HasSubstr("Last Seen:    2024-05-01T09:15:00Z (45m ago)\n"));
  EXPECT_THAT(s, HasSubstr("Intents:      2 assigned, 1 acked, 1 nacked\n"));
  EXPECT_THAT(s, HasSubstr("Placed Routers:\n"
                           "  ROUTER      REVISION   PUSHED   ACKED   PHASE     READY\n"
                           "  llm/alpha   12         12       12      Running   2/2\n"
                           "  llm/beta    14         14       13      NACKed    2/2\n"));
  EXPECT_THAT(s, HasSubstr("Nacked:   llm/beta revision 14: spec.vllmEndpoints[0].backend"));

  DescribeClusterArgs eu;
  eu.name = "eu-1";
  eu.now = kNow;
  std::ostringstream eu_out;
  EXPECT_EQ(RunDescribeCluster(eu, api(), eu_out, err_), kOk);
  EXPECT_THAT(eu_out.str(), HasSubstr("State:        Connected since 2024-05-01T07:00:00Z (3h ago)\n"));
  EXPECT_THAT(eu_out.str(), HasSubstr("Labels:       env=prod\n              region=eu\n"));

  DescribeClusterArgs missing;
  missing.name = "mars";
  EXPECT_EQ(RunDescribeCluster(missing, api(), out_, err_), kNotFound);
}

// ---- delete / history ---------------------------------------------------------------------------

TEST_F(FleetCommandsTest, DeleteThenGetIsNotFound) {
  Seed(fleet());
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().revision = 20;
  }
  DeleteRouterArgs args;
  args.name = "alpha";
  args.ns = "llm";
  EXPECT_EQ(RunDeleteRouter(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(), "semanticrouter.vllm.ai/llm/alpha deleted (revision 21)\n");
  EXPECT_EQ(RunDeleteRouter(args, api(), out_, err_), kNotFound);
  EXPECT_THAT(err_.str(), HasSubstr("error: semanticrouter.vllm.ai/llm/alpha: not found"));
}

TEST_F(FleetCommandsTest, HistoryShowsWhatEachRevisionChanged) {
  Seed(fleet());
  ApplyArgs apply;
  apply.files = {TempFile("h1.yaml", RouterYaml("hist", "  namespace: llm\n")).string()};
  apply.placement = "env=prod";
  ASSERT_EQ(RunApply(apply, api(), out_, err_), kOk) << err_.str();
  apply.placement = "env=prod,region=eu";
  ASSERT_EQ(RunApply(apply, api(), out_, err_), kOk);
  apply.files = {TempFile("h2.yaml", RouterYaml("hist", "  namespace: llm\n", "m2")).string()};
  ASSERT_EQ(RunApply(apply, api(), out_, err_), kOk);
  DeleteRouterArgs del;
  del.name = "llm/hist";
  ASSERT_EQ(RunDeleteRouter(del, api(), out_, err_), kOk);

  HistoryArgs args;
  args.name = "hist";
  args.ns = "llm";
  std::ostringstream out;
  EXPECT_EQ(RunHistory(args, api(), out, err_), kOk) << err_.str();
  std::istringstream lines(out.str());
  std::string header, r1, r2, r3, r4;
  std::getline(lines, header);
  std::getline(lines, r1);
  std::getline(lines, r2);
  std::getline(lines, r3);
  std::getline(lines, r4);
  EXPECT_THAT(header, ::testing::MatchesRegex("REVISION +AGE +CHECKSUM +PLACEMENT +CHANGE"));
  EXPECT_THAT(r1, ::testing::MatchesRegex("1 +[0-9]+s +[0-9a-f]{12} +env=prod +created"));
  EXPECT_THAT(r2, ::testing::MatchesRegex("2 +.* env=prod,region=eu +placement"));
  EXPECT_THAT(r3, ::testing::MatchesRegex("3 +.* env=prod,region=eu +manifest"));
  EXPECT_THAT(r4, ::testing::MatchesRegex("4 +[0-9]+s +<none> +<none> +deleted"));

  args.output = "json";
  std::ostringstream json;
  EXPECT_EQ(RunHistory(args, api(), json, err_), kOk);
  EXPECT_EQ(Json::parse(json.str())["revisions"].size(), 4u);

  args.name = "never";
  EXPECT_EQ(RunHistory(args, api(), out, err_), kNotFound);
}

// ---- clusters register / deregister -------------------------------------------------------------

TEST_F(FleetCommandsTest, RegisterAndDeregisterClusters) {
  RegisterClusterArgs args;
  args.name = "ap-1";
  args.labels = {"env=prod", "srfleet.io/tier=gold"};
  EXPECT_EQ(RunRegisterCluster(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_EQ(out_.str(), "cluster/ap-1 registered (labels: env=prod,srfleet.io/tier=gold)\n");
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    EXPECT_FALSE(fleet().register_requests.at(0).replace_labels());
  }
  DeregisterClusterArgs dereg;
  dereg.name = "ap-1";
  std::ostringstream out;
  EXPECT_EQ(RunDeregisterCluster(dereg, api(), out, err_), kOk);
  EXPECT_EQ(out.str(), "cluster/ap-1 deregistered\n");
  EXPECT_EQ(RunDeregisterCluster(dereg, api(), out, err_), kNotFound);
}

TEST_F(FleetCommandsTest, RegisterRefusesBadLabelsLocally) {
  RegisterClusterArgs args;
  args.name = "ap-1";
  args.labels = {"novalue", "bad key=x", "k=-v"};
  EXPECT_EQ(RunRegisterCluster(args, api(), out_, err_), kInvalidInput);
  EXPECT_THAT(err_.str(), AllOf(HasSubstr("--label novalue: must be KEY=VALUE"),
                                HasSubstr("--label bad key=x: invalid key \"bad key\""),
                                HasSubstr("--label k=-v: invalid value \"-v\"")));
  EXPECT_EQ(Calls(), 0);
}

// ---- watch ---------------------------------------------------------------------------------------

void AddEvent(testing::FakeFleet& f, const std::string& reason, const std::string& intent, const std::string& cluster,
              int64_t revision, const std::string& message) {
  std::lock_guard<std::mutex> lock(f.mu);
  auto& e = f.events.emplace_back();
  e.set_unix_ms(absl::ToUnixMillis(kNow));
  e.set_type(reason == "Nacked" ? "Warning" : "Normal");
  e.set_reason(reason);
  e.set_intent_id(intent);
  e.set_cluster(cluster);
  e.set_revision(revision);
  e.set_message(message);
}

TEST_F(FleetCommandsTest, WatchPrintsFilteredEventsUntilTheTimeout) {
  AddEvent(fleet(), "Pushed", "llm/alpha", "eu-1", 12, "revision 12 sent");
  AddEvent(fleet(), "Nacked", "llm/alpha", "eu-1", 12, "spec.x: unknown field");
  AddEvent(fleet(), "ClusterConnected", "", "lab", 0, "agent 0.1.0 connected");
  WatchArgs args;
  args.router = "alpha";
  args.ns = "llm";
  args.timeout = "300ms";
  absl::Time start = absl::Now();
  EXPECT_EQ(RunWatch(args, api(), out_, err_), kOk) << err_.str();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  EXPECT_EQ(out_.str(), EventHeaderLine() + "\n" +
                            "2024-05-01T10:00:00Z   Normal    Pushed             llm/alpha                  12    "
                            "     eu-1               revision 12 sent\n"
                            "2024-05-01T10:00:00Z   Warning   Nacked             llm/alpha                  12    "
                            "     eu-1               spec.x: unknown field\n");
  EXPECT_THAT(err_.str(), IsEmpty());
  std::lock_guard<std::mutex> lock(fleet().mu);
  EXPECT_EQ(fleet().watch_requests.at(0).intent_id(), "llm/alpha");
  EXPECT_EQ(fleet().watch_requests.at(0).cluster(), "");
}

TEST_F(FleetCommandsTest, WatchStopsOnCtrlCAndNotesAHubThatEndsIt) {
  AddEvent(fleet(), "ClusterConnected", "", "lab", 0, "agent connected");
  std::atomic<bool> stop{false};
  WatchArgs args;
  args.cluster = "lab";
  args.stop = &stop;
  std::thread ctrl_c([&] {
    absl::SleepFor(absl::Milliseconds(200));
    stop.store(true);
  });
  EXPECT_EQ(RunWatch(args, api(), out_, err_), kOk);
  ctrl_c.join();
  EXPECT_THAT(out_.str(), HasSubstr("ClusterConnected"));

  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().end_watch_after_events = true;
  }
  WatchArgs plain;
  std::ostringstream out, err;
  EXPECT_EQ(RunWatch(plain, api(), out, err), kOk);
  EXPECT_THAT(err.str(), HasSubstr("note: the hub at " + hub_.address() + " ended the watch"));

  WatchArgs bad;
  bad.timeout = "forever";
  EXPECT_EQ(RunWatch(bad, api(), out, err), kUsage);
}

// ---- hub errors -----------------------------------------------------------------------------------

TEST(HubErrors, UnreachableHubExitsFiveWithAHint) {
  const std::string address = testing::ClosedAddress();
  HubEndpoint endpoint;
  endpoint.address = address;
  endpoint.timeout = absl::Seconds(5);
  endpoint.insecure = true;
  FleetApi api(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), endpoint);
  std::ostringstream out, err;
  EXPECT_EQ(RunGetRouters({}, api, out, err), kUnreachable);
  EXPECT_EQ(err.str(), "error: cannot reach the hub at " + address +
                           " (connection refused). Is srfleet-hub running? Set --hub, SRFLEET_HUB or hub: in "
                           "~/.config/srfleet/config.yaml.\n");
  std::ostringstream watch_err;
  EXPECT_EQ(RunWatch({}, api, out, watch_err), kUnreachable);
  EXPECT_THAT(watch_err.str(), HasSubstr("connection refused"));
}

TEST(HubErrors, TlsAgainstAPlaintextHubSaysSo) {
  FakeHub hub;
  HubSettings settings;
  settings.address = hub.address();
  settings.config_hint = "~/.config/srfleet/config.yaml";
  auto api = ConnectToHub(settings);  // TLS with the system roots (the default)
  ASSERT_TRUE(api.ok()) << api.status();
  std::ostringstream out, err;
  EXPECT_EQ(RunGetClusters({}, **api, out, err), kUnreachable);
  EXPECT_THAT(err.str(), HasSubstr("error: cannot reach the hub at " + hub.address() + " (TLS handshake failed)"));
  EXPECT_THAT(err.str(), HasSubstr("use --insecure only if the hub serves plaintext"));
}

TEST_F(FleetCommandsTest, SlowHubTimesOut) {
  {
    std::lock_guard<std::mutex> lock(fleet().mu);
    fleet().delay = absl::Milliseconds(800);
  }
  auto api = hub_.Client(absl::Milliseconds(100));
  EXPECT_EQ(RunGetClusters({}, *api, out_, err_), kUnreachable);
  EXPECT_EQ(err_.str(), "error: the hub at " + hub_.address() +
                            " did not answer within 100ms. Is srfleet-hub running and reachable? Raise --timeout "
                            "for a slow link. Set --hub, SRFLEET_HUB or hub: in ~/.config/srfleet/config.yaml.\n");
}

TEST_F(FleetCommandsTest, StatusCodesMapToExitCodes) {
  struct Case {
    grpc::StatusCode code;
    int exit_code;
    const char* message;
  } cases[] = {
      {grpc::StatusCode::INVALID_ARGUMENT, kInvalidInput, "error: cluster/x: bad name"},
      {grpc::StatusCode::FAILED_PRECONDITION, kInvalidInput, "error: cluster/x: bad name"},
      {grpc::StatusCode::ALREADY_EXISTS, kInvalidInput, "error: cluster/x: bad name"},
      {grpc::StatusCode::NOT_FOUND, kNotFound, "error: cluster/x: not found (bad name)"},
      {grpc::StatusCode::UNAVAILABLE, kUnreachable, "is unavailable: bad name. Retry in a moment."},
      {grpc::StatusCode::UNAUTHENTICATED, kPermission, "refused the request (UNAUTHENTICATED: bad name)"},
      {grpc::StatusCode::PERMISSION_DENIED, kPermission, "The hub needs a client certificate: pass --tls-cert"},
      {grpc::StatusCode::INTERNAL, kInvalidInput, "error: cluster/x: the hub answered INTERNAL: bad name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    {
      std::lock_guard<std::mutex> lock(fleet().mu);
      fleet().fail["GetCluster"] = grpc::Status(c.code, "bad name");
    }
    GetClustersArgs args;
    args.name = "x";
    std::ostringstream out, err;
    EXPECT_EQ(RunGetClusters(args, api(), out, err), c.exit_code);
    EXPECT_THAT(err.str(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace srfleet::cli
