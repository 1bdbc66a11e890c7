// One builder per Kubernetes object the renderer produces. Each is a pure
// function of the RenderContext; renderer.cc decides which ones apply.
#pragma once

#include <string>
#include <vector>

#include "shared/json/json.h"
#include "shared/render/render_context.h"
#include "shared/render/router_config.h"

namespace srfleet::render {

Json BuildServiceAccount(const RenderContext& ctx);

// config.yaml + tools_db.json. A ConfigMap, unless the config needs Secret
// values (cache passwords): then a Secret, so no password lands in a
// ConfigMap. Unresolved secret values are reported in `warnings`.
Json BuildRouterConfigObject(const RenderContext& ctx, const RouterConfig& config, const std::string& tools_db,
                             std::vector<std::string>* warnings);
Json BuildEnvoyConfigMap(const RenderContext& ctx);
Json BuildModelsClaim(const RenderContext& ctx);

Json BuildDeployment(const RenderContext& ctx, bool config_in_secret);

Json BuildService(const RenderContext& ctx);
Json BuildIngress(const RenderContext& ctx);
Json BuildHttpRoute(const RenderContext& ctx);
Json BuildOpenShiftRoute(const RenderContext& ctx);

Json BuildHorizontalPodAutoscaler(const RenderContext& ctx);
Json BuildPodDisruptionBudget(const RenderContext& ctx);

}  // namespace srfleet::render
