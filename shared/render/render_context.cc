#include "shared/render/render_context.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace srfleet::render {

const Json* FindPath(const Json& root, std::initializer_list<const char*> path) {
  const Json* cur = &root;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string GetString(const Json& root, std::initializer_list<const char*> path, const std::string& fallback) {
  const Json* v = FindPath(root, path);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

int64_t GetInt(const Json& root, std::initializer_list<const char*> path, int64_t fallback) {
  const Json* v = FindPath(root, path);
  return v && v->is_number() ? v->get<int64_t>() : fallback;
}

bool GetBool(const Json& root, std::initializer_list<const char*> path, bool fallback) {
  const Json* v = FindPath(root, path);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

namespace {

PortPlan Plan(const Json& spec, const char* which, int default_port) {
  PortPlan p;
  p.port = static_cast<int>(GetInt(spec, {"service", which, "port"}, default_port));
  p.target_port = static_cast<int>(GetInt(spec, {"service", which, "targetPort"}, p.port));
  return p;
}

}  // namespace

RenderContext MakeContext(const Json& object, const RenderInput& input) {
  static const Json kEmpty = Json::object();
  RenderContext ctx;
  ctx.name = GetString(object, {"metadata", "name"});
  ctx.ns = GetString(object, {"metadata", "namespace"}, "default");
  const Json* spec = FindPath(object, {"spec"});
  ctx.spec = spec && spec->is_object() ? spec : &kEmpty;
  ctx.input = &input;
  const Json& s = *ctx.spec;

  ctx.standalone = FindPath(s, {"gateway", "existingRef"}) == nullptr;
  ctx.grpc = Plan(s, "grpc", 50051);
  ctx.api = Plan(s, "api", 8080);
  ctx.metrics = Plan(s, "metrics", 9190);
  ctx.metrics_enabled = GetBool(s, {"service", "metrics", "enabled"}, true);

  ctx.replicas = static_cast<int>(GetInt(s, {"replicas"}, 1));
  ctx.autoscaling = GetBool(s, {"autoscaling", "enabled"}, false);
  ctx.max_replicas = ctx.autoscaling ? static_cast<int>(GetInt(s, {"autoscaling", "maxReplicas"}, 10))
                                     : ctx.replicas;

  ctx.persistence = GetBool(s, {"persistence", "enabled"}, true);
  ctx.existing_claim = GetString(s, {"persistence", "existingClaim"});

  // Upstream names the pod's account after the CR even when it creates none,
  // and the pod then fails admission; fall back to the namespace default.
  bool create_sa = GetBool(s, {"serviceAccount", "create"}, true);
  ctx.service_account = GetString(s, {"serviceAccount", "name"});
  if (ctx.service_account.empty() && create_sa) ctx.service_account = ctx.name;
  return ctx;
}

Json ObjectMeta(const RenderContext& ctx, const std::string& name, const std::string& component) {
  Json meta = Json::object();
  meta["name"] = name;
  meta["namespace"] = ctx.ns;
  meta["labels"] = Json{{"app.kubernetes.io/name", "semantic-router"},
                        {"app.kubernetes.io/instance", ctx.name},
                        {"app.kubernetes.io/managed-by", "srfleet"},
                        {"app.kubernetes.io/component", component}};
  return meta;
}

Json SelectorLabels(const RenderContext& ctx) {
  return Json{{"app.kubernetes.io/name", "semantic-router"}, {"app.kubernetes.io/instance", ctx.name}};
}

}  // namespace srfleet::render
