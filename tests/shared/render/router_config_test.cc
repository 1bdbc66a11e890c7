#include "shared/render/router_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/json/yaml_codec.h"

namespace srfleet::render {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The value at an RFC 6901 pointer, or null when there is none.
Json At(const Json& doc, const std::string& pointer) {
  const Json::json_pointer p(pointer);
  return doc.contains(p) ? doc.at(p) : Json();
}

bool Has(const Json& doc, const std::string& pointer) {
  return doc.contains(Json::json_pointer(pointer));
}

std::vector<std::string> Keys(const Json& obj) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : obj.items()) keys.push_back(key);
  return keys;
}

ResolvedBackend Backend(std::string name, std::string model, std::string host, int port,
                        std::string protocol = "http", int weight = 1) {
  ResolvedBackend b;
  b.endpoint_name = std::move(name);
  b.model = std::move(model);
  b.host = std::move(host);
  b.port = port;
  b.protocol = std::move(protocol);
  b.weight = weight;
  return b;
}

RouterConfig Render(const Json& spec, const std::vector<ResolvedBackend>& backends = {}) {
  auto result = BuildRouterConfig(spec, backends);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : RouterConfig{};
}

Json ConfigOf(std::string_view config_json) {
  Json spec = Json::object();
  spec["config"] = Json::parse(config_json);
  return Render(spec).config;
}

absl::Status ErrorOf(const Json& spec) {
  auto result = BuildRouterConfig(spec, {});
  return result.ok() ? absl::OkStatus() : result.status();
}

// Three endpoints over two models, listed zeta first: upstream sorted models
// alphabetically; we keep spec order.
const char kEndpoints[] = R"json({"vllmEndpoints": [
  {"name": "zeta-a", "model": "zeta", "reasoningFamily": "",
   "loras": [{"name": "sql", "description": "SQL expert"}], "backend": {"type": "kserve"}},
  {"name": "alpha-a", "model": "alpha", "reasoningFamily": "qwen3", "backend": {"type": "service"}},
  {"name": "zeta-b", "model": "zeta", "reasoningFamily": "deepseek",
   "loras": [{"name": "sql", "description": "shadowed"}, {"name": "math"}],
   "backend": {"type": "service"}}
]})json";

std::vector<ResolvedBackend> AllEndpoints() {
  return {Backend("alpha-a", "alpha", "alpha.ns.svc.cluster.local", 8000),
          Backend("zeta-b", "zeta", "zeta-b.ns.svc.cluster.local", 8000, "http", 3),
          Backend("zeta-a", "zeta", "zeta-predictor.ns.svc.cluster.local", 8443, "https", 1)};
}

// ---- skeleton -----------------------------------------------------------------

TEST(RouterConfigSkeleton, EmptySpecGivesOnlyTheSkeleton) {
  const Json doc = Render(Json::object()).config;
  EXPECT_THAT(Keys(doc), ElementsAre("version", "listeners", "routing"));
  EXPECT_EQ(doc["version"], "v0.3");
  EXPECT_EQ(doc["listeners"], Json::parse(R"json([{"name": "grpc-50051", "address": "0.0.0.0",
                                                   "port": 50051, "timeout": "300s"}])json"));
  EXPECT_EQ(doc["routing"], Json::parse(R"json({"signals": {"domains": [
      {"name": "general", "description": "General queries", "mmlu_categories": ["other"]}]}})json"));
}

TEST(RouterConfigSkeleton, NoZeroValuedGlobalTreeIsEmitted) {
  // Upstream emitted global.stores.response_cache.enabled=false and friends,
  // which turned router defaults off. Setting one family emits that family only.
  const Json doc = ConfigOf(R"json({"tools": {"enabled": true, "top_k": 3}})json");
  EXPECT_THAT(Keys(doc["global"]), ElementsAre("integrations"));
  EXPECT_FALSE(Has(doc, "/global/stores"));
  EXPECT_FALSE(Has(doc, "/global/router"));
}

TEST(RouterConfigSkeleton, TopLevelKeyOrderWithEverySection) {
  Json spec = Json::parse(kEndpoints);
  spec["config"] = Json::parse(R"json({"strategy": "priority"})json");
  const Json doc = Render(spec, AllEndpoints()).config;
  EXPECT_THAT(Keys(doc), ElementsAre("version", "listeners", "providers", "routing", "global"));
}

// ---- backends -----------------------------------------------------------------

TEST(RouterConfigBackends, ModelsKeepSpecOrderAndDefaultModelIsTheFirstResolved) {
  const Json doc = Render(Json::parse(kEndpoints), AllEndpoints()).config;
  EXPECT_EQ(At(doc, "/providers/defaults/default_model"), "zeta");
  ASSERT_EQ(doc["providers"]["models"].size(), 2u);
  EXPECT_EQ(At(doc, "/providers/models/0/name"), "zeta");
  EXPECT_EQ(At(doc, "/providers/models/1/name"), "alpha");
  EXPECT_EQ(At(doc, "/routing/modelCards/0/name"), "zeta");
  EXPECT_EQ(At(doc, "/routing/modelCards/1/name"), "alpha");
}

TEST(RouterConfigBackends, BackendRefsInSpecOrderWithAddressProtocolAndWeight) {
  const Json doc = Render(Json::parse(kEndpoints), AllEndpoints()).config;
  EXPECT_EQ(At(doc, "/providers/models/0/backend_refs"), Json::parse(R"json([
    {"name": "zeta-a", "endpoint": "zeta-predictor.ns.svc.cluster.local:8443",
     "protocol": "https", "weight": 1},
    {"name": "zeta-b", "endpoint": "zeta-b.ns.svc.cluster.local:8000",
     "protocol": "http", "weight": 3}])json"));
  EXPECT_THAT(Keys(At(doc, "/providers/models/0")),
              ElementsAre("name", "reasoning_family", "backend_refs"));
}

TEST(RouterConfigBackends, LorasMergeByNameFirstWinsAndReasoningFamilyIsFirstNonEmpty) {
  const Json doc = Render(Json::parse(kEndpoints), AllEndpoints()).config;
  EXPECT_EQ(At(doc, "/routing/modelCards/0/loras"), Json::parse(R"json([
    {"name": "sql", "description": "SQL expert"}, {"name": "math"}])json"));
  EXPECT_EQ(At(doc, "/providers/models/0/reasoning_family"), "deepseek");
  EXPECT_EQ(At(doc, "/providers/models/1/reasoning_family"), "qwen3");
  EXPECT_FALSE(Has(doc, "/routing/modelCards/1/loras"));
}

TEST(RouterConfigBackends, UnresolvedEndpointIsSkippedEverywhere) {
  // zeta-a did not resolve: its "sql" description and its place as the first
  // model go; zeta-b's own "sql" LoRA is now the first occurrence.
  const std::vector<ResolvedBackend> backends = {
      Backend("alpha-a", "alpha", "alpha.ns.svc.cluster.local", 8000),
      Backend("zeta-b", "zeta", "zeta-b.ns.svc.cluster.local", 8000)};
  const Json doc = Render(Json::parse(kEndpoints), backends).config;
  EXPECT_EQ(At(doc, "/providers/defaults/default_model"), "alpha");
  EXPECT_EQ(At(doc, "/providers/models/1/backend_refs").size(), 1u);
  EXPECT_EQ(At(doc, "/routing/modelCards/1/loras"), Json::parse(R"json([
    {"name": "sql", "description": "shadowed"}, {"name": "math"}])json"));
  EXPECT_THAT(At(doc, "/providers/models").dump(), Not(HasSubstr("zeta-a")));
}

TEST(RouterConfigBackends, NoProvidersBlockWhenNothingResolved) {
  const Json doc = Render(Json::parse(kEndpoints), {}).config;
  EXPECT_FALSE(doc.contains("providers"));
  EXPECT_FALSE(Has(doc, "/routing/modelCards"));
}

// ---- global overlays ------------------------------------------------------------

TEST(RouterConfigOverlays, EmbeddingModelsGoToModelCatalogSemantic) {
  const Json doc = ConfigOf(R"json({"embedding_models": {"use_cpu": true,
    "mmbert_model_path": "models/mom-embedding-ultra",
    "embedding_config": {"min_score_threshold": "0.5", "target_layer": 6, "model_type": "mmbert"}}})json");
  const Json semantic = At(doc, "/global/model_catalog/embeddings/semantic");
  EXPECT_EQ(semantic["mmbert_model_path"], "models/mom-embedding-ultra");
  EXPECT_THAT(Keys(semantic), ElementsAre("mmbert_model_path", "use_cpu", "embedding_config"));
  EXPECT_DOUBLE_EQ(semantic["embedding_config"]["min_score_threshold"].get<double>(), 0.5);
  EXPECT_EQ(semantic["embedding_config"]["target_layer"], 6);
  EXPECT_THAT(Keys(semantic["embedding_config"]),
              ElementsAre("model_type", "target_layer", "min_score_threshold"));
}

TEST(RouterConfigOverlays, ToolsGoToIntegrationsWithNumericThreshold) {
  const Json doc = ConfigOf(R"json({"tools": {"tools_db_path": "config/tools_db.json",
    "similarity_threshold": "0.2", "top_k": 3, "enabled": true, "fallback_to_empty": true}})json");
  const Json tools = At(doc, "/global/integrations/tools");
  EXPECT_THAT(Keys(tools), ElementsAre("enabled", "top_k", "similarity_threshold", "tools_db_path",
                                       "fallback_to_empty"));
  EXPECT_TRUE(tools["similarity_threshold"].is_number_float());
  EXPECT_DOUBLE_EQ(tools["similarity_threshold"].get<double>(), 0.2);
  EXPECT_EQ(tools["tools_db_path"], "config/tools_db.json");
}

TEST(RouterConfigOverlays, PromptGuardVariantDefaultsToMmbert32k) {
  const Json doc = ConfigOf(R"json({"prompt_guard": {"enabled": true, "threshold": "0.7",
    "model_id": "models/mmbert32k-jailbreak-detector-merged"}})json");
  const Json guard = At(doc, "/global/model_catalog/modules/prompt_guard");
  EXPECT_EQ(guard["variant"], "mmbert32k");
  EXPECT_DOUBLE_EQ(guard["threshold"].get<double>(), 0.7);
  EXPECT_THAT(Keys(guard), ElementsAre("enabled", "variant", "model_id", "threshold"));
}

TEST(RouterConfigOverlays, PromptGuardVariantNotDefaultedWhenProtocolOrVariantSet) {
  const Json remote = ConfigOf(R"json({"prompt_guard": {"protocol": "http_classify",
    "on_error": "block", "positive_labels": ["jailbreak", "injection"]}})json");
  const Json guard = At(remote, "/global/model_catalog/modules/prompt_guard");
  EXPECT_FALSE(guard.contains("variant"));
  EXPECT_EQ(guard["on_error"], "block");
  EXPECT_EQ(guard["positive_labels"], Json::parse(R"json(["jailbreak", "injection"])json"));

  const Json candle = ConfigOf(R"json({"prompt_guard": {"variant": "candle"}})json");
  EXPECT_EQ(At(candle, "/global/model_catalog/modules/prompt_guard/variant"), "candle");
}

TEST(RouterConfigOverlays, ClassifierMapsToDomainAndPii) {
  const Json doc = ConfigOf(R"json({"classifier": {
    "category_model": {"model_id": "models/intent", "use_modernbert": false, "threshold": "0.6",
                       "use_cpu": true, "category_mapping_path": "models/intent/map.json"},
    "pii_model": {"model_id": "models/pii", "use_modernbert": false, "use_mmbert_32k": true,
                  "threshold": "0.7", "use_cpu": true, "pii_mapping_path": "models/pii/map.json"}}})json");
  const Json classifier = At(doc, "/global/model_catalog/modules/classifier");
  EXPECT_THAT(Keys(classifier), ElementsAre("domain", "pii"));
  EXPECT_EQ(classifier["domain"]["model_id"], "models/intent");
  EXPECT_DOUBLE_EQ(classifier["domain"]["threshold"].get<double>(), 0.6);
  EXPECT_EQ(classifier["domain"]["use_modernbert"], false);
  EXPECT_EQ(classifier["pii"]["use_mmbert_32k"], true);
  EXPECT_FALSE(classifier["pii"].contains("use_modernbert"));
  EXPECT_DOUBLE_EQ(classifier["pii"]["threshold"].get<double>(), 0.7);
}

TEST(RouterConfigOverlays, ReasoningFamiliesAndEffortGoToProviderDefaults) {
  const Json doc = ConfigOf(R"json({"default_reasoning_effort": "high", "reasoning_families": {
    "qwen3": {"type": "chat_template_kwargs", "parameter": "enable_thinking"}}})json");
  EXPECT_EQ(At(doc, "/providers/defaults"), Json::parse(R"json({
    "reasoning_families": {"qwen3": {"type": "chat_template_kwargs", "parameter": "enable_thinking"}},
    "default_reasoning_effort": "high"})json"));
  EXPECT_FALSE(Has(doc, "/providers/models"));
}

TEST(RouterConfigOverlays, StrategyGoesUnderGlobalRouter) {
  const Json doc = ConfigOf(R"json({"strategy": "priority"})json");
  EXPECT_EQ(At(doc, "/global/router/strategy"), "priority");
  EXPECT_FALSE(Has(doc, "/routing/strategy"));
}

TEST(RouterConfigOverlays, ApiMetricsRatesAndBucketsBecomeNumbers) {
  const Json doc = ConfigOf(R"json({"api": {"batch_classification": {"max_batch_size": 100,
    "metrics": {"enabled": true, "sample_rate": "1.0", "duration_buckets": ["0.001", "2.5", "30"],
                "size_buckets": [1, 2, 5]}}}})json");
  const Json metrics = At(doc, "/global/services/api/batch_classification/metrics");
  EXPECT_DOUBLE_EQ(metrics["sample_rate"].get<double>(), 1.0);
  EXPECT_EQ(metrics["duration_buckets"], Json::parse("[0.001, 2.5, 30.0]"));
  EXPECT_EQ(metrics["size_buckets"], Json::parse("[1, 2, 5]"));
}

TEST(RouterConfigOverlays, ObservabilityTracingWithRateConversion) {
  const Json doc = ConfigOf(R"json({"observability": {"tracing": {"enabled": true,
    "provider": "opentelemetry", "exporter": {"type": "otlp", "endpoint": "jaeger:4317", "insecure": true},
    "sampling": {"type": "always_on", "rate": "1.0"},
    "resource": {"service_name": "vllm-semantic-router", "deployment_environment": "development"}}}})json");
  const Json tracing = At(doc, "/global/services/observability/tracing");
  EXPECT_DOUBLE_EQ(tracing["sampling"]["rate"].get<double>(), 1.0);
  EXPECT_EQ(tracing["exporter"]["endpoint"], "jaeger:4317");
  EXPECT_EQ(tracing["resource"]["deployment_environment"], "development");
  EXPECT_FALSE(Has(doc, "/global/services/observability/metrics"));
}

TEST(RouterConfigOverlays, ProbabilityAndEnvironmentAliasesWinOverDefaults) {
  // rate and deployment_environment are there because of CRD defaults; what
  // the user wrote is probability and environment.
  const Json doc = ConfigOf(R"json({"observability": {"tracing": {
    "sampling": {"rate": "1.0", "type": "probabilistic", "probability": "0.1"},
    "resource": {"environment": "production", "deployment_environment": "development",
                 "service_name": "semantic-router"}}}})json");
  const Json tracing = At(doc, "/global/services/observability/tracing");
  EXPECT_EQ(tracing["sampling"], Json::parse(R"json({"type": "probabilistic", "rate": 0.1})json"));
  EXPECT_EQ(tracing["resource"], Json::parse(R"json({"service_name": "semantic-router",
                                                     "deployment_environment": "production"})json"));
}

TEST(RouterConfigOverlays, AliasesAloneAreRenamed) {
  const Json doc = ConfigOf(R"json({"observability": {"tracing": {
    "sampling": {"probability": "0.25"}, "resource": {"environment": "staging"}}}})json");
  EXPECT_EQ(At(doc, "/global/services/observability/tracing"), Json::parse(R"json({
    "sampling": {"rate": 0.25}, "resource": {"deployment_environment": "staging"}})json"));
}

TEST(RouterConfigOverlays, BertModelGoesToModelCatalogEmbeddingsBert) {
  const Json doc = ConfigOf(R"json({"bert_model": {"use_cpu": true, "threshold": "0.6",
    "model_id": "models/mom-embedding-light"}})json");
  EXPECT_EQ(At(doc, "/global/model_catalog/embeddings/bert"),
            Json::parse(R"json({"model_id": "models/mom-embedding-light", "threshold": 0.6,
                                "use_cpu": true})json"));
}

// ---- response cache -------------------------------------------------------------

TEST(RouterConfigCache, ResponseCacheGoesToStoresWithNumericThreshold) {
  const Json doc = ConfigOf(R"json({"response_cache": {"backend_type": "memory", "enabled": true,
    "similarity_threshold": "0.8", "max_entries": 1000, "ttl_seconds": 3600,
    "eviction_policy": "fifo", "embedding_model": "mmbert"}})json");
  EXPECT_EQ(At(doc, "/global/stores/response_cache"), Json::parse(R"json({"enabled": true,
    "backend_type": "memory", "similarity_threshold": 0.8, "max_entries": 1000, "ttl_seconds": 3600,
    "eviction_policy": "fifo", "embedding_model": "mmbert"})json"));
}

TEST(RouterConfigCache, DeprecatedSemanticCacheAloneIsAccepted) {
  const Json doc = ConfigOf(R"json({"semantic_cache": {"enabled": false, "backend_type": "memory"}})json");
  EXPECT_EQ(At(doc, "/global/stores/response_cache/enabled"), false);
}

TEST(RouterConfigCache, BothCacheBlocksAreAnErrorNamingSemanticCache) {
  const absl::Status status = ErrorOf(Json::parse(R"json({"config": {
    "response_cache": {"enabled": true}, "semantic_cache": {"enabled": true}}})json"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("spec.config.semantic_cache"));
}

TEST(RouterConfigCache, HnswIsFlattenedIntoTheCacheBlock) {
  const Json doc = ConfigOf(R"json({"response_cache": {"enabled": true, "backend_type": "hybrid",
    "hnsw": {"use_hnsw": true, "hnsw_m": 32, "hnsw_ef_construction": 128, "max_memory_entries": 5000}}})json");
  const Json cache = At(doc, "/global/stores/response_cache");
  EXPECT_FALSE(cache.contains("hnsw"));
  EXPECT_EQ(cache["use_hnsw"], true);
  EXPECT_EQ(cache["hnsw_m"], 32);
  EXPECT_EQ(cache["hnsw_ef_construction"], 128);
  EXPECT_EQ(cache["max_memory_entries"], 5000);
  EXPECT_THAT(Keys(cache), ElementsAre("enabled", "backend_type", "use_hnsw", "hnsw_m",
                                       "hnsw_ef_construction", "max_memory_entries"));
}

TEST(RouterConfigCache, SecretRefsBecomeSecretUsesAndNoPasswordIsWritten) {
  Json spec = Json::parse(R"json({"config": {"response_cache": {"enabled": true, "backend_type": "hybrid",
    "redis": {"connection": {"host": "redis", "port": 6379,
              "password_secret_ref": {"name": "redis-credentials", "key": "password"}}},
    "milvus": {"connection": {"host": "milvus", "auth": {"enabled": true, "username": "root",
              "password": "ignored-literal",
              "password_secret_ref": {"name": "milvus-credentials", "key": "pw"}}}}}}})json");
  const RouterConfig rc = Render(spec);
  const Json redis = At(rc.config, "/global/stores/response_cache/redis/connection");
  EXPECT_EQ(redis, Json::parse(R"json({"host": "redis", "port": 6379})json"));
  const Json auth = At(rc.config, "/global/stores/response_cache/milvus/connection/auth");
  EXPECT_EQ(auth, Json::parse(R"json({"enabled": true, "username": "root"})json"));
  ASSERT_EQ(rc.secrets.size(), 2u);
  EXPECT_EQ(rc.secrets[0].json_pointer, "/global/stores/response_cache/redis/connection/password");
  EXPECT_EQ(rc.secrets[0].ref, (SecretKeyRef{"redis-credentials", "password"}));
  EXPECT_EQ(rc.secrets[1].json_pointer, "/global/stores/response_cache/milvus/connection/auth/password");
  EXPECT_EQ(rc.secrets[1].ref, (SecretKeyRef{"milvus-credentials", "pw"}));
  EXPECT_THAT(rc.config.dump(), Not(HasSubstr("password")));
}

TEST(RouterConfigCache, LiteralPasswordStaysAStringAsWritten) {
  const RouterConfig rc = Render(Json::parse(R"json({"config": {"response_cache": {
    "backend_type": "valkey", "similarity_threshold": "0.85",
    "valkey": {"connection": {"host": "valkey", "password": "0012"}}}}})json"));
  const Json password = At(rc.config, "/global/stores/response_cache/valkey/connection/password");
  EXPECT_TRUE(password.is_string());
  EXPECT_EQ(password, "0012");
  EXPECT_DOUBLE_EQ(At(rc.config, "/global/stores/response_cache/similarity_threshold").get<double>(), 0.85);
  EXPECT_TRUE(rc.secrets.empty());
}

// ---- no coercion, passthrough, global merge ---------------------------------------

TEST(RouterConfigPassthrough, OnlyPatternFieldsAreConverted) {
  const Json doc = ConfigOf(R"json({"classifier": {"category_model": {"model_id": "1", "threshold": "1"}},
    "tools": {"tools_db_path": "0.5", "similarity_threshold": "0"}})json");
  EXPECT_EQ(At(doc, "/global/model_catalog/modules/classifier/domain/model_id"), "1");
  EXPECT_EQ(At(doc, "/global/model_catalog/modules/classifier/domain/threshold"), 1.0);
  EXPECT_EQ(At(doc, "/global/integrations/tools/tools_db_path"), "0.5");
  EXPECT_EQ(At(doc, "/global/integrations/tools/similarity_threshold"), 0.0);
}

TEST(RouterConfigPassthrough, UnknownKeysInAFamilyAreKept) {
  const Json doc = ConfigOf(R"json({
    "tools": {"enabled": true, "future_knob": {"a": "0.5"}},
    "prompt_guard": {"variant": "candle", "extra_label": "x"},
    "classifier": {"category_model": {"model_id": "m", "fancy": 1}, "mcp_category_model": {"enabled": true}},
    "response_cache": {"enabled": true, "polarity_guard": {"mode": "nli"}}})json");
  EXPECT_EQ(At(doc, "/global/integrations/tools/future_knob"), Json::parse(R"json({"a": "0.5"})json"));
  EXPECT_EQ(At(doc, "/global/model_catalog/modules/prompt_guard/extra_label"), "x");
  EXPECT_EQ(At(doc, "/global/model_catalog/modules/classifier/domain/fancy"), 1);
  EXPECT_EQ(At(doc, "/global/model_catalog/modules/classifier/mcp_category_model/enabled"), true);
  EXPECT_EQ(At(doc, "/global/stores/response_cache/polarity_guard/mode"), "nli");
}

TEST(RouterConfigPassthrough, ConfigGlobalIsDeepMergedLastAndWins) {
  const Json doc = ConfigOf(R"json({
    "strategy": "priority",
    "tools": {"enabled": true, "top_k": 3, "similarity_threshold": "0.2"},
    "global": {"router": {"streamed_body": {"enabled": true}},
               "integrations": {"tools": {"top_k": 7}},
               "services": {"response_api": {"enabled": false}}}})json");
  EXPECT_EQ(At(doc, "/global/router"), Json::parse(R"json({"strategy": "priority",
                                                           "streamed_body": {"enabled": true}})json"));
  EXPECT_EQ(At(doc, "/global/integrations/tools/top_k"), 7);
  EXPECT_EQ(At(doc, "/global/integrations/tools/enabled"), true);
  EXPECT_DOUBLE_EQ(At(doc, "/global/integrations/tools/similarity_threshold").get<double>(), 0.2);
  EXPECT_EQ(At(doc, "/global/services/response_api/enabled"), false);
  EXPECT_THAT(Keys(doc["global"]), ElementsAre("router", "services", "integrations"));
}

TEST(RouterConfigPassthrough, ConfigGlobalPasswordSupersedesTheSecretRef) {
  const RouterConfig rc = Render(Json::parse(R"json({"config": {
    "response_cache": {"backend_type": "redis", "redis": {"connection": {"host": "r",
      "password_secret_ref": {"name": "s", "key": "k"}}}},
    "global": {"stores": {"response_cache": {"redis": {"connection": {"password": "from-global"}}}}}}})json"));
  EXPECT_TRUE(rc.secrets.empty());
  EXPECT_EQ(At(rc.config, "/global/stores/response_cache/redis/connection/password"), "from-global");
}

// ---- routing ---------------------------------------------------------------------

TEST(RouterConfigRouting, OverrideReplacesModelCardsAndSignalsWholesale) {
  Json spec = Json::parse(kEndpoints);
  spec["config"] = Json::parse(R"json({"routing": {
    "modelCards": [{"name": "custom"}],
    "signals": {"keywords": [{"name": "urgent", "keywords": ["asap"]}]},
    "projections": {"scores": [{"name": "s"}]},
    "strategy": "kept-not-dropped"}})json");
  const Json routing = Render(spec, AllEndpoints()).config["routing"];
  EXPECT_EQ(routing["modelCards"], Json::parse(R"json([{"name": "custom"}])json"));
  EXPECT_EQ(routing["signals"],
            Json::parse(R"json({"keywords": [{"name": "urgent", "keywords": ["asap"]}]})json"));
  EXPECT_EQ(routing["projections"], Json::parse(R"json({"scores": [{"name": "s"}]})json"));
  EXPECT_EQ(routing["strategy"], "kept-not-dropped");
  EXPECT_THAT(Keys(routing), ElementsAre("modelCards", "signals", "projections", "strategy"));
}

TEST(RouterConfigRouting, ComplexityRulesApplyAfterTheOverride) {
  const Json doc = ConfigOf(R"json({
    "routing": {"signals": {"keywords": [{"name": "k"}], "complexity": [{"name": "from-override"}]}},
    "complexity_rules": [{"hard": {"candidates": ["design a compiler"]}, "name": "code",
      "threshold": "0.3", "easy": {"candidates": ["reverse a string"]},
      "composer": {"operator": "AND", "conditions": [{"type": "domain", "name": "medical"}]}}]})json");
  const Json signals = At(doc, "/routing/signals");
  EXPECT_EQ(signals["keywords"], Json::parse(R"json([{"name": "k"}])json"));
  ASSERT_EQ(signals["complexity"].size(), 1u);
  const Json rule = signals["complexity"][0];
  EXPECT_THAT(Keys(rule), ElementsAre("name", "threshold", "hard", "easy", "composer"));
  EXPECT_DOUBLE_EQ(rule["threshold"].get<double>(), 0.3);
  EXPECT_EQ(rule["composer"]["conditions"][0]["name"], "medical");
}

TEST(RouterConfigRouting, ComplexityRulesWithoutOverrideKeepTheDefaultDomain) {
  const Json doc = ConfigOf(R"json({"complexity_rules": [{"name": "c", "hard": {"candidates": ["x"]},
    "easy": {"candidates": ["y"]}}]})json");
  EXPECT_THAT(Keys(At(doc, "/routing/signals")), ElementsAre("domains", "complexity"));
  EXPECT_EQ(At(doc, "/routing/signals/domains/0/name"), "general");
}

TEST(RouterConfigRouting, DecisionsReplaceRoutingDecisionsAndKeepPreferredEndpoints) {
  const Json doc = ConfigOf(R"json({
    "routing": {"decisions": [{"name": "from-override"}]},
    "decisions": [{"rules": {"operator": "OR", "conditions": [{"type": "domain", "name": "math"}]},
      "priority": 10, "name": "math", "preferred_endpoints": ["zeta-a"],
      "modelRefs": [{"model": "zeta", "use_reasoning": true}], "algorithm": {"type": "hybrid"}}]})json");
  const Json decisions = At(doc, "/routing/decisions");
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0]["name"], "math");
  EXPECT_EQ(decisions[0]["preferred_endpoints"], Json::parse(R"json(["zeta-a"])json"));
  EXPECT_EQ(decisions[0]["algorithm"]["type"], "hybrid");
  EXPECT_THAT(Keys(decisions[0]), ElementsAre("name", "priority", "rules", "modelRefs", "algorithm",
                                              "preferred_endpoints"));
}

// ---- errors and determinism ------------------------------------------------------

TEST(RouterConfigErrors, ThresholdOutsideThePatternNamesTheField) {
  const absl::Status status =
      ErrorOf(Json::parse(R"json({"config": {"tools": {"similarity_threshold": "1.5"}}})json"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("spec.config.tools.similarity_threshold"));
}

TEST(RouterConfigErrors, WrongTypesGiveInvalidArgumentWithThePath) {
  struct Case {
    const char* spec;
    const char* path;
  };
  for (const Case& c : {
           Case{R"json([])json", "spec"},
           Case{R"json({"config": []})json", "spec.config"},
           Case{R"json({"config": {"tools": [1]}})json", "spec.config.tools"},
           Case{R"json({"vllmEndpoints": {}})json", "spec.vllmEndpoints"},
           Case{R"json({"config": {"complexity_rules": [7]}})json", "spec.config.complexity_rules[0]"},
           Case{R"json({"config": {"api": {"batch_classification": {"metrics": {"duration_buckets": ["x"]}}}}})json",
                "spec.config.api.batch_classification.metrics.duration_buckets[0]"},
           Case{R"json({"config": {"response_cache": {"redis": {"connection": {"password_secret_ref": {"name": "n"}}}}}})json",
                "spec.config.response_cache.redis.connection.password_secret_ref.key"},
           Case{R"json({"config": {"global": "x"}})json", "spec.config.global"},
       }) {
    const absl::Status status = ErrorOf(Json::parse(c.spec));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.spec;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.path)) << c.spec;
  }
}

TEST(RouterConfigDeterminism, SameInputSameOutputAndKeyOrderIndependentOfSpecOrder) {
  Json spec = Json::parse(kEndpoints);
  spec["config"] = Json::parse(R"json({"tools": {"top_k": 3, "enabled": true},
    "response_cache": {"ttl_seconds": 60, "enabled": true}, "strategy": "priority"})json");
  Json reordered = Json::parse(kEndpoints);
  reordered["config"] = Json::parse(R"json({"strategy": "priority",
    "response_cache": {"enabled": true, "ttl_seconds": 60}, "tools": {"enabled": true, "top_k": 3}})json");
  const std::string first = Render(spec, AllEndpoints()).config.dump();
  EXPECT_EQ(first, Render(spec, AllEndpoints()).config.dump());
  EXPECT_EQ(first, Render(reordered, AllEndpoints()).config.dump());
}

// ---- tools_db.json ----------------------------------------------------------------

TEST(ToolsDb, AbsentOrNullIsAnEmptyArray) {
  EXPECT_EQ(*BuildToolsDb(Json::object()), "[]");
  EXPECT_EQ(*BuildToolsDb(Json::parse(R"json({"toolsDb": null})json")), "[]");
  EXPECT_EQ(*BuildToolsDb(Json::parse(R"json({"toolsDb": []})json")), "[]");
}

TEST(ToolsDb, NestedEntriesAreCompactAndOrdered) {
  auto db = BuildToolsDb(Json::parse(R"json({"toolsDb": [
    {"tags": ["weather"], "category": "weather", "description": "Weather anywhere",
     "tool": {"function": {"parameters": {"required": ["location"], "type": "object",
               "properties": {"location": {"type": "string"}}},
               "description": "Get weather", "name": "get_weather"}, "type": "function"}}]})json"));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*db,
            R"([{"tool":{"type":"function","function":{"name":"get_weather","description":"Get weather",)"
            R"("parameters":{"type":"object","properties":{"location":{"type":"string"}},)"
            R"("required":["location"]}}},"description":"Weather anywhere","category":"weather",)"
            R"("tags":["weather"]}])");
}

TEST(ToolsDb, EntryWithoutToolHasNoPlaceholderObjects) {
  auto db = BuildToolsDb(Json::parse(R"json({"toolsDb": [
    {"description": "only a description", "tool": {"function": {"parameters": {}}}}]})json"));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*db, R"([{"description":"only a description"}])");
}

TEST(ToolsDb, FlatEntriesAreConvertedToTheNestedShape) {
  auto db = BuildToolsDb(Json::parse(R"json({"toolsDb": [
    {"name": "web_search", "description": "Search the web",
     "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
     "category": "search", "tags": ["web"]}]})json"));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(*db,
            R"([{"tool":{"type":"function","function":{"name":"web_search","description":"Search the web",)"
            R"("parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}},)"
            R"("description":"Search the web","category":"search","tags":["web"]}])");
}

TEST(ToolsDb, NonArrayIsAnError) {
  auto db = BuildToolsDb(Json::parse(R"json({"toolsDb": {"name": "x"}})json"));
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("spec.toolsDb"));
}

// ---- upstream samples (optional: needs the reference folder) ----------------------

TEST(RouterConfigSamples, EveryUpstreamSampleRenders) {
  const std::filesystem::path dir = std::filesystem::path(SRFLEET_REFERENCE_DIR) / "upstream-samples";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no reference samples at " << dir;
  int rendered = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(file.path());
    std::stringstream text;
    text << in.rdbuf();
    auto docs = ParseYamlDocuments(text.str());
    ASSERT_TRUE(docs.ok()) << file.path() << ": " << docs.status();
    for (const Json& doc : *docs) {
      if (!doc.is_object() || doc.value("kind", "") != "SemanticRouter") continue;
      const Json spec = doc.value("spec", Json::object());
      std::vector<ResolvedBackend> backends;
      for (const Json& e : spec.value("vllmEndpoints", Json::array())) {
        backends.push_back(Backend(e.value("name", ""), e.value("model", ""), "h.ns.svc.cluster.local", 8000));
      }
      auto rc = BuildRouterConfig(spec, backends);
      EXPECT_TRUE(rc.ok()) << file.path() << ": " << rc.status();
      EXPECT_TRUE(BuildToolsDb(spec).ok()) << file.path();
      if (file.path().filename() == "vllm.ai_v1alpha1_semanticrouter_openshift.yaml" && rc.ok()) {
        EXPECT_EQ(At(rc->config, "/global/services/observability/tracing/sampling/rate"), 0.1);
        EXPECT_EQ(At(rc->config, "/global/services/observability/tracing/resource/deployment_environment"),
                  "production");
      }
      ++rendered;
    }
  }
  EXPECT_GE(rendered, 13);
}

}  // namespace
}  // namespace srfleet::render
