// Capacity and availability: HorizontalPodAutoscaler and PodDisruptionBudget.
#include <nlohmann/json.hpp>

#include "shared/render/object_builders.h"

namespace srfleet::render {
namespace {

Json UtilizationMetric(const char* resource, int64_t percent) {
  return Json{{"type", "Resource"},
              {"resource", Json{{"name", resource},
                                {"target", Json{{"type", "Utilization"}, {"averageUtilization", percent}}}}}};
}

}  // namespace

Json BuildHorizontalPodAutoscaler(const RenderContext& ctx) {
  const Json& a = *FindPath(*ctx.spec, {"autoscaling"});
  Json metrics = Json::array();
  if (const Json* cpu = FindPath(a, {"targetCPUUtilizationPercentage"}); cpu && cpu->is_number()) {
    metrics.push_back(UtilizationMetric("cpu", cpu->get<int64_t>()));
  }
  if (const Json* mem = FindPath(a, {"targetMemoryUtilizationPercentage"}); mem && mem->is_number()) {
    metrics.push_back(UtilizationMetric("memory", mem->get<int64_t>()));
  }
  Json hpa = Json::object();
  hpa["apiVersion"] = "autoscaling/v2";
  hpa["kind"] = "HorizontalPodAutoscaler";
  hpa["metadata"] = ObjectMeta(ctx, ctx.name, "router");
  Json spec = Json::object();
  spec["scaleTargetRef"] = Json{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", ctx.name}};
  spec["minReplicas"] = GetInt(a, {"minReplicas"}, 1);
  spec["maxReplicas"] = GetInt(a, {"maxReplicas"}, 10);
  if (!metrics.empty()) spec["metrics"] = metrics;
  hpa["spec"] = spec;
  return hpa;
}

// Keeps all but one replica up through node drains. Only rendered when more
// than one replica can run: with a single replica it would block drains.
Json BuildPodDisruptionBudget(const RenderContext& ctx) {
  Json pdb = Json::object();
  pdb["apiVersion"] = "policy/v1";
  pdb["kind"] = "PodDisruptionBudget";
  pdb["metadata"] = ObjectMeta(ctx, ctx.name, "router");
  pdb["spec"] = Json{{"maxUnavailable", 1}, {"selector", Json{{"matchLabels", SelectorLabels(ctx)}}}};
  return pdb;
}

}  // namespace srfleet::render
