#include "shared/model/semantic_router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shared/json/yaml_codec.h"
#include "shared/model/crd_schema.h"
#include "shared/schema/schema_library.h"
#include "shared/schema/schema_validator.h"
#include "tests/support/test_files.h"

namespace srfleet::model {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kValid[] = R"(
apiVersion: vllm.ai/v1alpha1
kind: SemanticRouter
metadata:
  name: demo
  namespace: llm
spec:
  vllmEndpoints:
    - name: a
      model: m
      backend:
        type: service
        service: {name: vllm, port: 8000}
)";

TEST(SemanticRouterModel, EmbeddedCrdCompiles) {
  auto schema = SemanticRouterSchema();
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(SemanticRouterCrd()["metadata"]["name"], "semanticrouters.vllm.ai");
}

TEST(SemanticRouterModel, AppliesCrdDefaults) {
  auto parsed = ParseSemanticRouters(kValid);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->routers.size(), 1u);
  const Json& spec = parsed->routers[0].spec();
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["vllmEndpoints"][0]["weight"], 1);
  EXPECT_EQ(parsed->routers[0].name(), "demo");
  EXPECT_EQ(parsed->routers[0].ns(), "llm");
}

TEST(SemanticRouterModel, DefaultsServicePortsWhenTheSectionIsPresent) {
  std::string text = std::string(kValid) + "  service: {grpc: {}, api: {}, metrics: {}}\n";
  auto parsed = ParseSemanticRouters(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Json& service = parsed->routers[0].spec()["service"];
  EXPECT_EQ(service["grpc"]["port"], 50051);
  EXPECT_EQ(service["api"]["port"], 8080);
  EXPECT_EQ(service["metrics"]["port"], 9190);
  EXPECT_FALSE(service["grpc"].contains("targetPort"));
}

TEST(SemanticRouterModel, UnknownRouterConfigFieldsSurviveTheRoundTrip) {
  std::string text = std::string(kValid) +
                     "  config:\n    global:\n      router: {streamed_body: {enabled: true}}\n"
                     "    tools: {enabled: false, future_knob: 7}\n";
  auto parsed = ParseSemanticRouters(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::string yaml = ToYaml(parsed->routers[0]);
  auto again = ParseSemanticRouters(yaml);
  ASSERT_TRUE(again.ok()) << again.status();
  const Json& config = again->routers[0].spec()["config"];
  EXPECT_EQ(config["global"]["router"]["streamed_body"]["enabled"], true);
  EXPECT_EQ(config["tools"]["future_knob"], 7);
  // A user's false is kept (upstream flipped it back to the default true).
  EXPECT_EQ(config["tools"]["enabled"], false);
  EXPECT_EQ(again->routers[0].object(), parsed->routers[0].object());
}

TEST(SemanticRouterModel, OtherKindsAreReturnedUntouched) {
  std::string text = std::string(kValid) + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
  auto parsed = ParseSemanticRouters(text);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->others.size(), 1u);
  EXPECT_EQ(parsed->others[0]["kind"], "Secret");
}

TEST(SemanticRouterModel, NamespaceDefaultsToTheCallersNamespace) {
  std::string text = kValid;
  text.replace(text.find("  namespace: llm\n"), 17, "");
  ParseOptions options;
  options.default_namespace = "team-a";
  auto parsed = ParseSemanticRouters(text, options);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->routers[0].ns(), "team-a");
}

TEST(SemanticRouterModel, OneInvalidDocumentFailsTheWholeStreamWithEveryProblem) {
  std::string bad = R"(
apiVersion: vllm.ai/v1alpha1
kind: SemanticRouter
metadata: {name: bad}
spec: {replicas: -2, image: {pullPolicy: Sometimes}}
)";
  auto parsed = ParseSemanticRouters(std::string(kValid) + "---" + bad);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("document 2 (SemanticRouter bad)"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("spec.replicas"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("spec.image.pullPolicy"));
}

// ---- the upstream samples ---------------------------------------------------

std::vector<std::filesystem::path> UpstreamSamples() {
  std::vector<std::filesystem::path> files;
  auto dir = testing_support::ReferenceDir() / "upstream-samples";
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml" && entry.path().filename() != "kustomization.yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(UpstreamSamples, EveryOneIsAcceptedUnchangedUnderStrictValidation) {
  auto files = UpstreamSamples();
  if (files.empty()) GTEST_SKIP() << "../shared/upstream-samples not present; skipping upstream compatibility";
  EXPECT_EQ(files.size(), 13u);
  for (const auto& f : files) {
    auto parsed = ParseSemanticRouters(testing_support::ReadFile(f));
    EXPECT_TRUE(parsed.ok()) << f.filename() << ":\n" << parsed.status().message();
    if (parsed.ok()) {
      EXPECT_EQ(parsed->routers.size(), 1u) << f.filename();
    }
  }
}

// The same strict check with upstream's own CRD must reproduce what a real
// kube-apiserver 1.26 measured: 6 of the 13 samples rejected. This proves the
// validator is as strict as the real server, so our 13/13 means something.
TEST(UpstreamSamples, UpstreamCrdRejectsTheSixSamplesARealApiServerRejects) {
  auto files = UpstreamSamples();
  auto crd_path = testing_support::ReferenceDir() / "upstream-crd" / "vllm.ai_semanticrouters.yaml";
  if (files.empty() || !std::filesystem::exists(crd_path)) GTEST_SKIP() << "../shared not present";
  auto crd = ParseYaml(testing_support::ReadFile(crd_path));
  ASSERT_TRUE(crd.ok()) << crd.status();
  schema::SchemaLibrary library;
  ASSERT_TRUE(library.AddCustomResourceDefinition(*crd).ok());
  const auto* node = library.Find(schema::GroupVersionKind{"vllm.ai", "v1alpha1", "SemanticRouter"});
  ASSERT_NE(node, nullptr);
  std::set<std::string> rejected;
  std::set<std::string> unknown_fields;
  for (const auto& f : files) {
    auto docs = ParseYamlDocuments(testing_support::ReadFile(f));
    ASSERT_TRUE(docs.ok());
    for (auto& doc : *docs) {
      if (doc.value("kind", "") != "SemanticRouter") continue;
      for (const auto& e : schema::Validate(*node, doc)) {
        if (e.kind == schema::FieldError::Kind::kUnknownField) {
          rejected.insert(f.filename().string());
          std::string path = e.path;
          // Normalise list indexes so the set reads like the measurement.
          path = std::regex_replace(path, std::regex(R"(\[[0-9]+\])"), "[]");
          unknown_fields.insert(path);
        }
      }
    }
  }
  EXPECT_EQ(rejected.size(), 6u) << ::testing::PrintToString(rejected);
  EXPECT_THAT(unknown_fields, ::testing::IsSupersetOf({"spec.livenessProbe.httpGet", "spec.readinessProbe.httpGet",
                                                       "spec.toolsDb[].name", "spec.toolsDb[].parameters",
                                                       "spec.config.bert_model",
                                                       "spec.config.classifier.pii_model.use_mmbert_32k",
                                                       "spec.config.observability.tracing.sampling.probability",
                                                       "spec.config.observability.tracing.resource.environment"}));
}

// ---- malformed input: each case names the exact field path ----------------

struct MalformedCase {
  std::string name;
  std::string yaml;           // the whole document
  std::string expected_path;  // the error must name this path
  std::string expected_text;  // and contain this
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

std::string WithSpec(const std::string& spec_body) {
  return "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {name: bad, namespace: llm}\nspec:\n" +
         spec_body;
}

constexpr char kOneEndpoint[] = R"(  vllmEndpoints:
    - name: a
      model: m
      backend: {type: service, service: {name: vllm, port: 8000}}
)";

std::vector<MalformedCase> MalformedCases() {
  return {
      {"bad_yaml", "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nspec: [1, 2\n", "", "invalid YAML at line"},
      {"duplicate_key", WithSpec("  replicas: 1\n  replicas: 2\n"), "", "duplicate key \"replicas\""},
      {"wrong_api_version",
       "apiVersion: vllm.ai/v1\nkind: SemanticRouter\nmetadata: {name: x}\nspec: {}\n", "apiVersion",
       "must be \"vllm.ai/v1alpha1\""},
      {"missing_name", "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {}\nspec: {}\n",
       "metadata.name", "required"},
      {"name_not_dns", "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {name: Bad_Name}\nspec: {}\n",
       "", "DNS-1035"},
      {"spec_not_object", "apiVersion: vllm.ai/v1alpha1\nkind: SemanticRouter\nmetadata: {name: x}\nspec: 3\n",
       "spec", "must be of type object"},
      {"replicas_wrong_type", WithSpec("  replicas: three\n"), "spec.replicas", "must be of type integer"},
      {"negative_replicas", WithSpec("  replicas: -1\n"), "spec.replicas", "greater than or equal to 0"},
      {"unknown_top_level_field", WithSpec("  replica: 2\n"), "spec.replica", "field not declared in schema"},
      {"unknown_pull_policy", WithSpec("  image: {pullPolicy: Sometimes}\n"), "spec.image.pullPolicy",
       "unsupported value \"Sometimes\""},
      {"unknown_service_type", WithSpec("  service: {type: ExternalName}\n"), "spec.service.type",
       "unsupported value"},
      {"port_out_of_range", WithSpec("  service: {api: {port: 70000}}\n"), "spec.service.api.port",
       "less than or equal to 65535"},
      {"port_zero", WithSpec("  service: {grpc: {port: 0}}\n"), "spec.service.grpc.port",
       "greater than or equal to 1"},
      {"unknown_backend_type",
       WithSpec("  vllmEndpoints:\n    - {name: a, model: m, backend: {type: openai}}\n"),
       "spec.vllmEndpoints[0].backend.type", "unsupported value \"openai\""},
      {"kserve_without_isvc",
       WithSpec(std::string(kOneEndpoint) + "    - {name: b, model: m, backend: {type: kserve}}\n"),
       "spec.vllmEndpoints[1].backend", "inferenceServiceName is required when type is kserve"},
      {"llamastack_without_labels",
       WithSpec("  vllmEndpoints:\n    - {name: a, model: m, backend: {type: llamastack}}\n"),
       "spec.vllmEndpoints[0].backend", "discoveryLabels is required when type is llamastack"},
      {"service_without_service_block",
       WithSpec("  vllmEndpoints:\n    - {name: a, model: m, backend: {type: service}}\n"),
       "spec.vllmEndpoints[0].backend", "service is required when type is service"},
      {"service_without_port",
       WithSpec("  vllmEndpoints:\n    - {name: a, model: m, backend: {type: service, service: {name: v}}}\n"),
       "spec.vllmEndpoints[0].backend.service.port", "required"},
      {"duplicate_endpoint_names",
       WithSpec(std::string(kOneEndpoint) +
                "    - {name: a, model: m2, backend: {type: service, service: {name: v, port: 1}}}\n"),
       "spec.vllmEndpoints[1]", "duplicate entry with name=\"a\""},
      {"endpoint_without_model",
       WithSpec("  vllmEndpoints:\n    - {name: a, backend: {type: service, service: {name: v, port: 1}}}\n"),
       "spec.vllmEndpoints[0].model", "required"},
      {"empty_endpoint_name",
       WithSpec("  vllmEndpoints:\n    - {name: '', model: m, backend: {type: service, service: {name: v, port: 1}}}\n"),
       "spec.vllmEndpoints[0].name", "must not be empty"},
      {"threshold_out_of_range", WithSpec("  config: {tools: {similarity_threshold: '1.5'}}\n"),
       "spec.config.tools.similarity_threshold", "must match the pattern"},
      {"threshold_as_number", WithSpec("  config: {prompt_guard: {threshold: 0.7}}\n"),
       "spec.config.prompt_guard.threshold", "must be of type string"},
      {"both_caches",
       WithSpec("  config:\n    response_cache: {backend_type: memory}\n    semantic_cache: {backend_type: memory}\n"),
       "spec.config", "not both"},
      {"redis_without_host", WithSpec("  config: {response_cache: {backend_type: redis}}\n"),
       "spec.config.response_cache", "redis.connection.host is required"},
      {"hpa_min_above_max", WithSpec("  autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}\n"),
       "spec.autoscaling", "minReplicas must be less than or equal to maxReplicas"},
      {"ingress_without_hosts", WithSpec("  ingress: {enabled: true}\n"), "spec.ingress", "hosts"},
      {"claim_and_class",
       WithSpec("  persistence: {existingClaim: models, storageClassName: fast}\n"), "spec.persistence",
       "existingClaim"},
      {"route_tls_enum", WithSpec("  openshift: {routes: {enabled: true, tls: {termination: plain}}}\n"),
       "spec.openshift.routes.tls.termination", "unsupported value \"plain\""},
      {"bad_quantity", WithSpec("  resources: {requests: {cpu: lots}}\n"), "spec.resources.requests[cpu]",
       "must match the pattern"},
      {"request_above_limit", WithSpec("  resources: {requests: {cpu: '4'}, limits: {cpu: 2000m}}\n"),
       "spec.resources.requests[cpu]", "exceeds the limit"},
      {"gateway_ref_without_namespace", WithSpec("  gateway: {existingRef: {name: gw}}\n"),
       "spec.gateway.existingRef.namespace", "required"},
      {"too_many_loras",
       WithSpec("  vllmEndpoints:\n    - name: a\n      model: m\n      backend: {type: service, service: {name: v, port: 1}}\n"
                "      loras: [" +
                [] {
                  std::string l;
                  for (int i = 0; i < 51; ++i) l += (i ? ", " : "") + std::string("{name: l") + std::to_string(i) + "}";
                  return l;
                }() +
                "]\n"),
       "spec.vllmEndpoints[0].loras", "at most 50 items"},
      {"probe_period_zero", WithSpec("  livenessProbe: {periodSeconds: 0}\n"), "spec.livenessProbe.periodSeconds",
       "greater than or equal to 1"},
      {"probe_named_port_unknown", WithSpec("  readinessProbe: {httpGet: {path: /health, port: http}}\n"),
       "spec.readinessProbe.httpGet.port", "is not a port of the router container"},
      {"ingress_port_not_on_service",
       WithSpec("  ingress:\n    enabled: true\n    hosts: [{host: a.example.com, paths: [{path: /, servicePort: 1234}]}]\n"),
       "spec.ingress.hosts[0].paths[0].servicePort", "is not a port of the router's Service"},
      {"tool_without_name", WithSpec("  toolsDb:\n    - {description: nameless}\n"),
       "spec.toolsDb[0].tool.function.name", "required"},
      {"env_wrong_shape", WithSpec("  env: {FOO: bar}\n"), "spec.env", "must be of type array"},
  };
}

class MalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTest, IsRejectedWithTheFieldPathAndNothingIsReturned) {
  const MalformedCase& c = GetParam();
  auto parsed = ParseSemanticRouters(c.yaml);
  ASSERT_FALSE(parsed.ok()) << c.name << " was accepted";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(parsed.status().message());
  EXPECT_THAT(message, HasSubstr(c.expected_text)) << message;
  if (!c.expected_path.empty()) {
    // The path must head an error line: "  <path>: <reason>".
    EXPECT_THAT(message, HasSubstr("  " + c.expected_path + ": ")) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedTest, ::testing::ValuesIn(MalformedCases()),
                         [](const auto& info) { return info.param.name; });

TEST(MalformedTable, HasAtLeastTwentyFiveCases) { EXPECT_GE(MalformedCases().size(), 25u); }

TEST(SemanticRouterModel, ReportsAllProblemsAtOnce) {
  Json obj = ParseYaml(WithSpec("  replicas: -1\n  image: {pullPolicy: Sometimes}\n  bogus: true\n")).value();
  auto errors = ValidateSemanticRouter(obj);
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  EXPECT_EQ(paths, (std::set<std::string>{"spec.replicas", "spec.image.pullPolicy", "spec.bogus"}));
}

}  // namespace
}  // namespace srfleet::model
