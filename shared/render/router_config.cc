#include "shared/render/router_config.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

// Design notes (seed-operator §2.8 and the deliberate differences from it):
//
// * Intent-only output. Upstream serializes the router's whole typed config,
//   so every `global` section appears with zero values. The router overlays
//   the keys present in the file onto its built-in defaults, so those zeros
//   silently switch off router defaults (response cache, clear_route_cache,
//   tracing, ...). We emit only the skeleton (version, listeners, the default
//   `general` domain) plus keys derived from what the spec sets, and let the
//   router's defaults apply to everything else.
// * No blanket string->number/bool coercion (upstream turns a password
//   "0012" into 12). Only the fields the CRD stores as decimal strings become
//   numbers: the `^0(\.[0-9]+)?$|^1(\.0+)?$` thresholds/rates, and
//   api...metrics.duration_buckets, which the CRD documents as "stored as
//   strings to avoid float precision issues" and the router reads as
//   []float64 (left as strings the router could not load the file).
// * Unknown keys inside a family are passed through to its target block, so
//   no router setting is silently lost; spec.config.global is deep-merged
//   last, so any router `global.*` setting can be reached (upstream #3791).
// * Objects are rebuilt with the keys the router knows first, in a fixed
//   order, then any other keys in spec order: the output does not depend on
//   how the API server happened to order the stored object's keys.
// * spec.config keys that are no family at all have no target and are
//   ignored; the CRD prunes them before they reach us anyway.

namespace srfleet::render {
namespace {

constexpr char kCachePointer[] = "/global/stores/response_cache";

absl::Status Invalid(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::string(what)));
}

std::string Sub(const std::string& path, std::string_view key) {
  return absl::StrCat(path, ".", std::string(key));
}

std::string Index(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

// A member of an object, or nullptr when it is absent or null (a null member
// means "not set" here, as it does for the API server).
const Json* Member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Json* Member(Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// Like Member, but a present member must be an object.
absl::StatusOr<const Json*> ObjectMember(const Json& obj, std::string_view key,
                                         const std::string& path) {
  const Json* m = Member(obj, key);
  if (m != nullptr && !m->is_object()) return Invalid(Sub(path, key), "expected an object");
  return m;
}

absl::StatusOr<const Json*> ArrayMember(const Json& obj, std::string_view key,
                                        const std::string& path) {
  const Json* m = Member(obj, key);
  if (m != nullptr && !m->is_array()) return Invalid(Sub(path, key), "expected an array");
  return m;
}

absl::StatusOr<const Json*> StringMember(const Json& obj, std::string_view key,
                                         const std::string& path) {
  const Json* m = Member(obj, key);
  if (m != nullptr && !m->is_string()) return Invalid(Sub(path, key), "expected a string");
  return m;
}

std::string StringOr(const Json* value, std::string fallback = "") {
  return value != nullptr && value->is_string() ? value->get<std::string>() : fallback;
}

// `obj` with the keys of `order` first (those present), then its other keys
// in their original order. Non-objects are returned unchanged.
Json Ordered(Json obj, std::initializer_list<std::string_view> order) {
  if (!obj.is_object()) return obj;
  Json out = Json::object();
  for (std::string_view key : order) {
    auto it = obj.find(key);
    if (it != obj.end()) out[std::string(key)] = std::move(*it);
  }
  for (auto& [key, value] : obj.items()) {
    if (!out.contains(key)) out[key] = std::move(value);
  }
  return out;
}

// The object at `keys` below `root`, created (empty) where missing. Only used
// on trees this file builds, where every step is an object.
Json& Slot(Json& root, std::initializer_list<std::string_view> keys) {
  Json* node = &root;
  for (std::string_view key : keys) {
    Json& child = (*node)[std::string(key)];
    if (!child.is_object()) child = Json::object();
    node = &child;
  }
  return *node;
}

// The CRD's pattern for a decimal in [0,1]: ^0(\.[0-9]+)?$|^1(\.0+)?$
bool IsUnitDecimal(std::string_view s) {
  if (s == "0" || s == "1") return true;
  if (s.size() < 3 || s[1] != '.') return false;
  if (s[0] != '0' && s[0] != '1') return false;
  char lowest = '0', highest = s[0] == '0' ? '9' : '0';
  for (char c : s.substr(2)) {
    if (c < lowest || c > highest) return false;
  }
  return true;
}

// Non-negative plain decimal ("30", "0.005"); what duration_buckets hold.
bool IsPlainDecimal(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    if (d.empty()) return false;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  return digits(whole) && (dot == std::string_view::npos || digits(frac));
}

// Locale-independent, unlike strtod.
double ParseDecimal(std::string_view s) {
  double value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

// Turns the pattern-checked decimal string at obj[key] into a number; a
// number is kept as it is.
absl::Status ConvertUnitDecimal(Json& obj, std::string_view key, const std::string& path) {
  Json* value = Member(obj, key);
  if (value == nullptr || value->is_number()) return absl::OkStatus();
  if (value->is_string() && IsUnitDecimal(value->get_ref<const std::string&>())) {
    *value = ParseDecimal(value->get_ref<const std::string&>());
    return absl::OkStatus();
  }
  return Invalid(Sub(path, key), "expected a decimal between 0 and 1 as a string, e.g. \"0.8\"");
}

absl::Status ConvertDecimalList(Json& obj, std::string_view key, const std::string& path) {
  Json* list = Member(obj, key);
  if (list == nullptr) return absl::OkStatus();
  if (!list->is_array()) return Invalid(Sub(path, key), "expected an array");
  for (size_t i = 0; i < list->size(); ++i) {
    Json& item = (*list)[i];
    if (item.is_number()) continue;
    if (!item.is_string() || !IsPlainDecimal(item.get_ref<const std::string&>())) {
      return Invalid(Index(Sub(path, key), i), "expected a non-negative decimal, e.g. \"0.005\"");
    }
    item = ParseDecimal(item.get_ref<const std::string&>());
  }
  return absl::OkStatus();
}

// Objects merge recursively; anything else replaces.
void DeepMerge(Json& dst, const Json& src) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    auto existing = dst.find(it.key());
    if (existing != dst.end() && existing->is_object() && it->is_object()) {
      DeepMerge(*existing, *it);
    } else {
      dst[it.key()] = *it;
    }
  }
}

Json DefaultDomain() {
  Json domain = Json::object();
  domain["name"] = "general";
  domain["description"] = "General queries";
  domain["mmlu_categories"] = Json::array({"other"});
  return domain;
}

Json Listener() {
  Json listener = Json::object();
  listener["name"] = "grpc-50051";
  listener["address"] = "0.0.0.0";
  listener["port"] = 50051;
  listener["timeout"] = "300s";
  return listener;
}

class Builder {
 public:
  explicit Builder(const std::vector<ResolvedBackend>& backends) : backends_(backends) {}

  absl::StatusOr<RouterConfig> Build(const Json& spec) {
    if (!spec.is_object() && !spec.is_null()) return Invalid("spec", "expected an object");
    const std::string cfg_path = "spec.config";
    auto config_or = ObjectMember(spec, "config", "spec");
    if (!config_or.ok()) return config_or.status();
    const Json config = *config_or != nullptr ? **config_or : Json::object();

    if (auto s = AddBackends(spec); !s.ok()) return s;
    // Independent targets first; this order fixes the key order inside each
    // `global` section (the sections themselves are ordered in Assemble).
    for (auto step : {&Builder::AddStrategy, &Builder::AddApi, &Builder::AddObservability,
                      &Builder::AddCache, &Builder::AddTools, &Builder::AddEmbeddings,
                      &Builder::AddBertModel, &Builder::AddPromptGuard, &Builder::AddClassifier,
                      &Builder::AddReasoning}) {
      if (auto s = (this->*step)(config, cfg_path); !s.ok()) return s;
    }
    // Order matters from here on (§2.8 steps 9-11, then our global merge).
    if (auto s = AddRouting(config, cfg_path); !s.ok()) return s;
    if (auto s = AddComplexity(config, cfg_path); !s.ok()) return s;
    if (auto s = AddDecisions(config, cfg_path); !s.ok()) return s;
    if (auto s = MergeGlobal(config, cfg_path); !s.ok()) return s;
    return Assemble();
  }

 private:
  // §2.8 step 1, with the model order of spec.vllmEndpoints and
  // default_model = the first resolved endpoint's model.
  absl::Status AddBackends(const Json& spec) {
    auto endpoints_or = ArrayMember(spec, "vllmEndpoints", "spec");
    if (!endpoints_or.ok()) return endpoints_or.status();
    const Json empty = Json::array();
    const Json& endpoints = *endpoints_or != nullptr ? **endpoints_or : empty;

    struct Group {
      std::string model;
      std::string reasoning_family;
      Json loras = Json::array();
      std::vector<std::string> lora_names;  // LoRAs merge by name, the first wins
      Json refs = Json::array();
    };
    std::vector<Group> groups;
    auto group_for = [&groups](const std::string& model) -> Group& {
      for (Group& g : groups) {
        if (g.model == model) return g;
      }
      groups.emplace_back().model = model;
      return groups.back();
    };

    std::vector<bool> used(backends_.size(), false);
    auto add = [&](const ResolvedBackend& b, const Json* endpoint,
                   const std::string& path) -> absl::Status {
      Group& g = group_for(b.model);
      Json ref = Json::object();
      ref["name"] = b.endpoint_name;
      ref["endpoint"] = absl::StrCat(b.host, ":", b.port);
      ref["protocol"] = b.protocol;
      ref["weight"] = b.weight > 0 ? b.weight : 1;
      g.refs.push_back(std::move(ref));
      if (endpoint == nullptr) return absl::OkStatus();
      auto family = StringMember(*endpoint, "reasoningFamily", path);
      if (!family.ok()) return family.status();
      if (g.reasoning_family.empty()) g.reasoning_family = StringOr(*family);
      auto loras = ArrayMember(*endpoint, "loras", path);
      if (!loras.ok()) return loras.status();
      if (*loras == nullptr) return absl::OkStatus();
      for (size_t i = 0; i < (*loras)->size(); ++i) {
        const Json& lora = (**loras)[i];
        const std::string lora_path = Index(Sub(path, "loras"), i);
        if (!lora.is_object()) return Invalid(lora_path, "expected an object");
        auto name = StringMember(lora, "name", lora_path);
        if (!name.ok()) return name.status();
        auto description = StringMember(lora, "description", lora_path);
        if (!description.ok()) return description.status();
        if (*name == nullptr) return Invalid(Sub(lora_path, "name"), "required");
        const std::string lora_name = StringOr(*name);
        if (std::find(g.lora_names.begin(), g.lora_names.end(), lora_name) != g.lora_names.end()) {
          continue;
        }
        g.lora_names.push_back(lora_name);
        Json card_lora = Json::object();
        card_lora["name"] = lora_name;
        if (!StringOr(*description).empty()) card_lora["description"] = **description;
        g.loras.push_back(std::move(card_lora));
      }
      return absl::OkStatus();
    };

    for (size_t i = 0; i < endpoints.size(); ++i) {
      const Json& endpoint = endpoints[i];
      const std::string path = Index("spec.vllmEndpoints", i);
      if (!endpoint.is_object()) return Invalid(path, "expected an object");
      auto name = StringMember(endpoint, "name", path);
      if (!name.ok()) return name.status();
      const std::string endpoint_name = StringOr(*name);
      for (size_t b = 0; b < backends_.size(); ++b) {
        if (used[b] || backends_[b].endpoint_name != endpoint_name) continue;
        used[b] = true;
        if (auto s = add(backends_[b], &endpoint, path); !s.ok()) return s;
      }
    }
    // A resolved backend the spec does not list (callers should not pass
    // one) still routes, after the listed ones.
    for (size_t b = 0; b < backends_.size(); ++b) {
      if (!used[b]) (void)add(backends_[b], nullptr, "");
    }

    for (Group& g : groups) {
      Json model = Json::object();
      model["name"] = g.model;
      if (!g.reasoning_family.empty()) model["reasoning_family"] = g.reasoning_family;
      model["backend_refs"] = std::move(g.refs);
      provider_models_.push_back(std::move(model));
      Json card = Json::object();
      card["name"] = g.model;
      if (!g.loras.empty()) card["loras"] = std::move(g.loras);
      model_cards_.push_back(std::move(card));
    }
    if (!groups.empty()) provider_defaults_["default_model"] = groups.front().model;
    return absl::OkStatus();
  }

  absl::Status AddStrategy(const Json& config, const std::string& path) {
    auto strategy = StringMember(config, "strategy", path);
    if (!strategy.ok()) return strategy.status();
    // global.router, not routing: the router reads it there (§2.8 step 12).
    if (*strategy != nullptr) Slot(global_, {"router"})["strategy"] = **strategy;
    return absl::OkStatus();
  }

  absl::Status AddApi(const Json& config, const std::string& cfg_path) {
    auto api_or = ObjectMember(config, "api", cfg_path);
    if (!api_or.ok() || *api_or == nullptr) return api_or.status();
    const std::string path = Sub(cfg_path, "api");
    Json api = **api_or;
    if (Json* batch = Member(api, "batch_classification")) {
      const std::string batch_path = Sub(path, "batch_classification");
      if (!batch->is_object()) return Invalid(batch_path, "expected an object");
      if (Json* metrics = Member(*batch, "metrics")) {
        const std::string metrics_path = Sub(batch_path, "metrics");
        if (!metrics->is_object()) return Invalid(metrics_path, "expected an object");
        if (auto s = ConvertUnitDecimal(*metrics, "sample_rate", metrics_path); !s.ok()) return s;
        if (auto s = ConvertDecimalList(*metrics, "duration_buckets", metrics_path); !s.ok()) {
          return s;
        }
        *metrics = Ordered(std::move(*metrics),
                           {"enabled", "detailed_goroutine_tracking", "high_resolution_timing",
                            "sample_rate", "duration_buckets", "size_buckets"});
      }
      *batch = Ordered(std::move(*batch), {"max_batch_size", "concurrency_threshold",
                                           "max_concurrency", "metrics"});
    }
    Slot(global_, {"services"})["api"] = std::move(api);
    return absl::OkStatus();
  }

  absl::Status AddObservability(const Json& config, const std::string& cfg_path) {
    auto obs_or = ObjectMember(config, "observability", cfg_path);
    if (!obs_or.ok() || *obs_or == nullptr) return obs_or.status();
    const std::string path = Sub(cfg_path, "observability");
    Json obs = **obs_or;
    if (Json* tracing = Member(obs, "tracing")) {
      const std::string tracing_path = Sub(path, "tracing");
      if (!tracing->is_object()) return Invalid(tracing_path, "expected an object");
      if (Json* sampling = Member(*tracing, "sampling")) {
        const std::string sampling_path = Sub(tracing_path, "sampling");
        if (!sampling->is_object()) return Invalid(sampling_path, "expected an object");
        // `probability` is what users wrote (upstream pruned it). It wins
        // over `rate`, which is always present because of its CRD default.
        if (Member(*sampling, "probability") != nullptr) {
          if (auto s = ConvertUnitDecimal(*sampling, "probability", sampling_path); !s.ok()) {
            return s;
          }
          Json probability = std::move((*sampling)["probability"]);  // [] may reallocate
          (*sampling)["rate"] = std::move(probability);
        }
        sampling->erase("probability");
        if (auto s = ConvertUnitDecimal(*sampling, "rate", sampling_path); !s.ok()) return s;
        *sampling = Ordered(std::move(*sampling), {"type", "rate"});
      }
      if (Json* resource = Member(*tracing, "resource")) {
        if (!resource->is_object()) return Invalid(Sub(tracing_path, "resource"), "expected an object");
        // Same story: `environment` is the user's alias and beats the default.
        if (Member(*resource, "environment") != nullptr) {
          Json environment = std::move((*resource)["environment"]);  // [] may reallocate
          (*resource)["deployment_environment"] = std::move(environment);
        }
        resource->erase("environment");
        *resource = Ordered(std::move(*resource),
                            {"service_name", "service_version", "deployment_environment"});
      }
      *tracing = Ordered(std::move(*tracing),
                         {"enabled", "provider", "exporter", "sampling", "resource"});
    }
    Slot(global_, {"services"})["observability"] = Ordered(std::move(obs), {"metrics", "tracing"});
    return absl::OkStatus();
  }

  // Moves a password_secret_ref out of `holder` into secrets_. The password
  // itself stays absent: the caller fills it in from the Secret, if at all.
  absl::Status TakeSecretRef(Json& holder, const std::string& pointer, const std::string& path) {
    if (!holder.is_object() || !holder.contains("password_secret_ref")) return absl::OkStatus();
    const Json ref = holder["password_secret_ref"];
    holder.erase("password_secret_ref");
    if (ref.is_null()) return absl::OkStatus();
    const std::string ref_path = Sub(path, "password_secret_ref");
    if (!ref.is_object()) return Invalid(ref_path, "expected an object");
    auto name = StringMember(ref, "name", ref_path);
    if (!name.ok()) return name.status();
    auto key = StringMember(ref, "key", ref_path);
    if (!key.ok()) return key.status();
    if (StringOr(*name).empty()) return Invalid(Sub(ref_path, "name"), "required");
    if (StringOr(*key).empty()) return Invalid(Sub(ref_path, "key"), "required");
    holder.erase("password");  // the reference wins over a literal
    secrets_.push_back(SecretUse{absl::StrCat(pointer, "/password"),
                                 SecretKeyRef{StringOr(*name), StringOr(*key)}});
    return absl::OkStatus();
  }

  absl::Status AddCache(const Json& config, const std::string& cfg_path) {
    auto response_or = ObjectMember(config, "response_cache", cfg_path);
    if (!response_or.ok()) return response_or.status();
    auto legacy_or = ObjectMember(config, "semantic_cache", cfg_path);
    if (!legacy_or.ok()) return legacy_or.status();
    if (*response_or != nullptr && *legacy_or != nullptr) {
      return Invalid(Sub(cfg_path, "semantic_cache"),
                     "deprecated alias of config.response_cache; set only one of them");
    }
    const bool legacy = *response_or == nullptr;
    const Json* source = legacy ? *legacy_or : *response_or;
    if (source == nullptr) return absl::OkStatus();
    const std::string path = Sub(cfg_path, legacy ? "semantic_cache" : "response_cache");

    Json cache = *source;
    if (auto s = ConvertUnitDecimal(cache, "similarity_threshold", path); !s.ok()) return s;
    // The router's cache takes the HNSW knobs as flat keys of this block
    // (use_hnsw, hnsw_m, hnsw_ef_construction, max_memory_entries); the CRD
    // groups them under `hnsw`, which upstream then dropped.
    if (cache.contains("hnsw")) {
      Json hnsw = std::move(cache["hnsw"]);
      cache.erase("hnsw");
      if (!hnsw.is_null() && !hnsw.is_object()) return Invalid(Sub(path, "hnsw"), "expected an object");
      if (hnsw.is_object()) DeepMerge(cache, hnsw);
    }
    for (const char* backend : {"redis", "valkey"}) {
      Json* block = Member(cache, backend);
      if (block == nullptr) continue;
      const std::string block_path = Sub(path, backend);
      if (!block->is_object()) return Invalid(block_path, "expected an object");
      Json* connection = Member(*block, "connection");
      if (connection == nullptr) continue;
      if (!connection->is_object()) return Invalid(Sub(block_path, "connection"), "expected an object");
      const std::string pointer = absl::StrCat(kCachePointer, "/", backend, "/connection");
      if (auto s = TakeSecretRef(*connection, pointer, Sub(block_path, "connection")); !s.ok()) {
        return s;
      }
    }
    if (Json* milvus = Member(cache, "milvus")) {
      const std::string milvus_path = Sub(path, "milvus");
      if (!milvus->is_object()) return Invalid(milvus_path, "expected an object");
      if (Json* connection = Member(*milvus, "connection")) {
        const std::string conn_path = Sub(milvus_path, "connection");
        if (!connection->is_object()) return Invalid(conn_path, "expected an object");
        if (Json* auth = Member(*connection, "auth")) {
          if (!auth->is_object()) return Invalid(Sub(conn_path, "auth"), "expected an object");
          const std::string pointer = absl::StrCat(kCachePointer, "/milvus/connection/auth");
          if (auto s = TakeSecretRef(*auth, pointer, Sub(conn_path, "auth")); !s.ok()) return s;
        }
      }
    }
    Slot(global_, {"stores"})["response_cache"] = Ordered(
        std::move(cache),
        {"enabled", "backend_type", "similarity_threshold", "max_entries", "ttl_seconds",
         "eviction_policy", "embedding_model", "use_hnsw", "hnsw_m", "hnsw_ef_construction",
         "max_memory_entries", "redis", "valkey", "milvus", "qdrant"});
    return absl::OkStatus();
  }

  absl::Status AddTools(const Json& config, const std::string& cfg_path) {
    auto tools_or = ObjectMember(config, "tools", cfg_path);
    if (!tools_or.ok() || *tools_or == nullptr) return tools_or.status();
    Json tools = **tools_or;
    if (auto s = ConvertUnitDecimal(tools, "similarity_threshold", Sub(cfg_path, "tools")); !s.ok()) {
      return s;
    }
    Slot(global_, {"integrations"})["tools"] = Ordered(
        std::move(tools),
        {"enabled", "top_k", "similarity_threshold", "tools_db_path", "fallback_to_empty"});
    return absl::OkStatus();
  }

  absl::Status AddEmbeddings(const Json& config, const std::string& cfg_path) {
    auto emb_or = ObjectMember(config, "embedding_models", cfg_path);
    if (!emb_or.ok() || *emb_or == nullptr) return emb_or.status();
    const std::string path = Sub(cfg_path, "embedding_models");
    Json emb = **emb_or;
    if (Json* settings = Member(emb, "embedding_config")) {
      const std::string settings_path = Sub(path, "embedding_config");
      if (!settings->is_object()) return Invalid(settings_path, "expected an object");
      if (auto s = ConvertUnitDecimal(*settings, "min_score_threshold", settings_path); !s.ok()) {
        return s;
      }
      *settings = Ordered(std::move(*settings),
                          {"backend", "model_type", "preload_embeddings", "target_dimension",
                           "target_layer", "enable_soft_matching", "min_score_threshold"});
    }
    Slot(global_, {"model_catalog", "embeddings"})["semantic"] = Ordered(
        std::move(emb), {"qwen3_model_path", "gemma_model_path", "mmbert_model_path", "use_cpu",
                         "embedding_config", "endpoint"});
    return absl::OkStatus();
  }

  // config.bert_model {model_id, threshold, use_cpu} (upstream pruned it).
  // The router's canonical export puts its BertModel under
  // global.model_catalog.embeddings.bert (CanonicalEmbeddingModels{Semantic,
  // Bert} in pkg/config/canonical_export.go), so it goes there.
  absl::Status AddBertModel(const Json& config, const std::string& cfg_path) {
    auto bert_or = ObjectMember(config, "bert_model", cfg_path);
    if (!bert_or.ok() || *bert_or == nullptr) return bert_or.status();
    Json bert = **bert_or;
    if (auto s = ConvertUnitDecimal(bert, "threshold", Sub(cfg_path, "bert_model")); !s.ok()) {
      return s;
    }
    Slot(global_, {"model_catalog", "embeddings"})["bert"] =
        Ordered(std::move(bert), {"model_id", "threshold", "use_cpu"});
    return absl::OkStatus();
  }

  absl::Status AddPromptGuard(const Json& config, const std::string& cfg_path) {
    auto guard_or = ObjectMember(config, "prompt_guard", cfg_path);
    if (!guard_or.ok() || *guard_or == nullptr) return guard_or.status();
    const std::string path = Sub(cfg_path, "prompt_guard");
    Json guard = **guard_or;
    if (auto s = ConvertUnitDecimal(guard, "threshold", path); !s.ok()) return s;
    // The CRD deliberately has no variant default; the operator picks the
    // bundled mmBERT-32K model unless the user chose a variant or a remote
    // protocol (§1.4).
    if (StringOr(Member(guard, "variant")).empty() && StringOr(Member(guard, "protocol")).empty()) {
      guard["variant"] = "mmbert32k";
    }
    Slot(global_, {"model_catalog", "modules"})["prompt_guard"] = Ordered(
        std::move(guard), {"enabled", "variant", "protocol", "model_id", "threshold", "use_cpu",
                           "jailbreak_mapping_path", "positive_labels", "on_error"});
    return absl::OkStatus();
  }

  absl::Status AddClassifier(const Json& config, const std::string& cfg_path) {
    auto classifier_or = ObjectMember(config, "classifier", cfg_path);
    if (!classifier_or.ok() || *classifier_or == nullptr) return classifier_or.status();
    const std::string path = Sub(cfg_path, "classifier");
    Json classifier = **classifier_or;

    Json out = Json::object();
    for (auto [from, to] : {std::pair{"category_model", "domain"}, std::pair{"pii_model", "pii"}}) {
      if (!classifier.contains(from)) continue;
      Json model = std::move(classifier[from]);
      classifier.erase(from);
      if (model.is_null()) continue;
      const std::string model_path = Sub(path, from);
      if (!model.is_object()) return Invalid(model_path, "expected an object");
      if (auto s = ConvertUnitDecimal(model, "threshold", model_path); !s.ok()) return s;
      // The router's PII model has no use_modernbert; it never did anything.
      if (std::string_view(to) == "pii") model.erase("use_modernbert");
      out[to] = Ordered(std::move(model),
                        {"model_id", "threshold", "use_cpu", "use_modernbert", "use_mmbert_32k",
                         "category_mapping_path", "pii_mapping_path"});
    }
    for (auto& [key, value] : classifier.items()) {
      if (!out.contains(key)) out[key] = std::move(value);
    }
    Slot(global_, {"model_catalog", "modules"})["classifier"] = std::move(out);
    return absl::OkStatus();
  }

  absl::Status AddReasoning(const Json& config, const std::string& cfg_path) {
    auto families = ObjectMember(config, "reasoning_families", cfg_path);
    if (!families.ok()) return families.status();
    if (*families != nullptr) provider_defaults_["reasoning_families"] = **families;
    auto effort = StringMember(config, "default_reasoning_effort", cfg_path);
    if (!effort.ok()) return effort.status();
    if (*effort != nullptr) provider_defaults_["default_reasoning_effort"] = **effort;
    return absl::OkStatus();
  }

  // §2.8 step 9: these four keys replace their canonical part wholesale.
  absl::Status AddRouting(const Json& config, const std::string& cfg_path) {
    routing_ = Json::object();
    if (!model_cards_.empty()) routing_["modelCards"] = model_cards_;
    routing_["signals"] = Json::object();
    routing_["signals"]["domains"] = Json::array({DefaultDomain()});

    auto override_or = ObjectMember(config, "routing", cfg_path);
    if (!override_or.ok() || *override_or == nullptr) return override_or.status();
    for (const auto& [key, value] : (*override_or)->items()) {
      if (value.is_null()) continue;  // null means "not set"
      routing_[key] = value;          // unknown keys are kept as well
    }
    return absl::OkStatus();
  }

  // §2.8 step 10: complexity_rules land in routing.signals.complexity, after
  // (and so over) the routing override.
  absl::Status AddComplexity(const Json& config, const std::string& cfg_path) {
    auto rules_or = ArrayMember(config, "complexity_rules", cfg_path);
    if (!rules_or.ok() || *rules_or == nullptr || (*rules_or)->empty()) return rules_or.status();
    const std::string path = Sub(cfg_path, "complexity_rules");
    Json rules = Json::array();
    for (size_t i = 0; i < (*rules_or)->size(); ++i) {
      Json rule = (**rules_or)[i];
      const std::string rule_path = Index(path, i);
      if (!rule.is_object()) return Invalid(rule_path, "expected an object");
      if (auto s = ConvertUnitDecimal(rule, "threshold", rule_path); !s.ok()) return s;
      rules.push_back(
          Ordered(std::move(rule), {"name", "description", "threshold", "hard", "easy", "composer"}));
    }
    Json& signals = routing_["signals"];
    if (signals.is_null()) signals = Json::object();
    if (!signals.is_object()) return Invalid(Sub(cfg_path, "routing.signals"), "expected an object");
    signals["complexity"] = std::move(rules);
    return absl::OkStatus();
  }

  // §2.8 step 11: config.decisions replace routing.decisions. Unlike
  // upstream, preferred_endpoints is kept.
  absl::Status AddDecisions(const Json& config, const std::string& cfg_path) {
    auto decisions_or = ArrayMember(config, "decisions", cfg_path);
    if (!decisions_or.ok() || *decisions_or == nullptr || (*decisions_or)->empty()) {
      return decisions_or.status();
    }
    Json decisions = Json::array();
    for (size_t i = 0; i < (*decisions_or)->size(); ++i) {
      Json decision = (**decisions_or)[i];
      if (!decision.is_object()) return Invalid(Index(Sub(cfg_path, "decisions"), i), "expected an object");
      decisions.push_back(Ordered(std::move(decision),
                                  {"name", "description", "priority", "rules", "modelRefs",
                                   "algorithm", "plugins", "preferred_endpoints"}));
    }
    routing_["decisions"] = std::move(decisions);
    return absl::OkStatus();
  }

  // Last, so users can set (or override) any router global.* setting.
  absl::Status MergeGlobal(const Json& config, const std::string& cfg_path) {
    auto extra = ObjectMember(config, "global", cfg_path);
    if (!extra.ok() || *extra == nullptr) return extra.status();
    DeepMerge(global_, **extra);
    return absl::OkStatus();
  }

  RouterConfig Assemble() {
    RouterConfig result;
    Json& doc = result.config;
    doc = Json::object();
    doc["version"] = "v0.3";
    doc["listeners"] = Json::array({Listener()});
    Json providers = Json::object();
    if (!provider_defaults_.empty()) {
      providers["defaults"] = Ordered(std::move(provider_defaults_),
                                      {"default_model", "reasoning_families", "default_reasoning_effort"});
    }
    if (!provider_models_.empty()) providers["models"] = std::move(provider_models_);
    if (!providers.empty()) doc["providers"] = std::move(providers);
    doc["routing"] = Ordered(std::move(routing_), {"modelCards", "signals", "projections", "decisions"});
    if (!global_.empty()) {
      doc["global"] = Ordered(std::move(global_),
                              {"router", "services", "stores", "integrations", "model_catalog"});
    }
    // A spec.config.global that set the password itself, or replaced the
    // block holding it, wins over the reference.
    for (SecretUse& use : secrets_) {
      const Json::json_pointer pointer(use.json_pointer);
      const Json::json_pointer parent = pointer.parent_pointer();
      if (!doc.contains(parent) || !doc.at(parent).is_object() || doc.contains(pointer)) continue;
      result.secrets.push_back(std::move(use));
    }
    return result;
  }

  const std::vector<ResolvedBackend>& backends_;
  Json provider_defaults_ = Json::object();
  Json provider_models_ = Json::array();
  Json model_cards_ = Json::array();
  Json routing_ = Json::object();
  Json global_ = Json::object();
  std::vector<SecretUse> secrets_;
};

}  // namespace

absl::StatusOr<RouterConfig> BuildRouterConfig(const Json& spec,
                                               const std::vector<ResolvedBackend>& backends) {
  // The code checks types before every access; this only guards against a
  // library surprise, so that no exception ever reaches the reconciler.
  try {
    return Builder(backends).Build(spec);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("spec: cannot render config.yaml: ", e.what()));
  }
}

}  // namespace srfleet::render
