#include "shared/render/renderer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/render/object_builders.h"
#include "shared/render/render_context.h"
#include "shared/render/router_config.h"

namespace srfleet::render {

absl::StatusOr<RenderResult> Render(const model::SemanticRouter& router, const RenderInput& input) {
  RenderContext ctx = MakeContext(router.object(), input);
  const Json& spec = *ctx.spec;
  if (ctx.name.empty()) return absl::InvalidArgumentError("metadata.name: required");

  auto config = BuildRouterConfig(spec, input.backends);
  if (!config.ok()) return config.status();
  auto tools_db = BuildToolsDb(spec);
  if (!tools_db.ok()) return tools_db.status();

  RenderResult out;
  auto& objects = out.objects;
  bool create_sa = GetBool(spec, {"serviceAccount", "create"}, true);
  if (create_sa) objects.push_back(BuildServiceAccount(ctx));
  objects.push_back(BuildRouterConfigObject(ctx, *config, *tools_db, &out.warnings));
  if (ctx.standalone) objects.push_back(BuildEnvoyConfigMap(ctx));
  if (ctx.persistence && ctx.existing_claim.empty()) objects.push_back(BuildModelsClaim(ctx));
  objects.push_back(BuildDeployment(ctx, !config->secrets.empty()));
  objects.push_back(BuildService(ctx));
  if (ctx.autoscaling) objects.push_back(BuildHorizontalPodAutoscaler(ctx));
  if (ctx.max_replicas > 1) objects.push_back(BuildPodDisruptionBudget(ctx));
  if (GetBool(spec, {"ingress", "enabled"}, false)) objects.push_back(BuildIngress(ctx));
  if (!ctx.standalone) {
    objects.push_back(BuildHttpRoute(ctx));
    if (!input.platform.gateway_api) {
      out.warnings.push_back("gateway mode: the cluster does not serve gateway.networking.k8s.io; "
                             "the HTTPRoute cannot be created until Gateway API is installed");
    }
  }
  if (GetBool(spec, {"openshift", "routes", "enabled"}, false)) {
    if (input.platform.openshift) {
      objects.push_back(BuildOpenShiftRoute(ctx));
      std::string termination = GetString(spec, {"openshift", "routes", "tls", "termination"}, "edge");
      if (termination != "edge") {
        out.warnings.push_back("spec.openshift.routes.tls.termination is \"" + termination +
                               "\", but the router serves plain HTTP: only edge termination can work");
      }
    } else {
      out.warnings.push_back("spec.openshift.routes.enabled is set but the cluster is not OpenShift; no Route");
    }
  }
  return out;
}

std::vector<ResolvedBackend> AssumedBackends(const model::SemanticRouter& router) {
  std::vector<ResolvedBackend> out;
  const Json* endpoints = FindPath(router.spec(), {"vllmEndpoints"});
  if (!endpoints || !endpoints->is_array()) return out;
  const std::string ns = router.ns().empty() ? "default" : router.ns();
  for (const auto& e : *endpoints) {
    ResolvedBackend b;
    b.endpoint_name = GetString(e, {"name"});
    b.model = GetString(e, {"model"});
    b.weight = static_cast<int>(GetInt(e, {"weight"}, 1));
    std::string type = GetString(e, {"backend", "type"});
    if (type == "kserve") {
      b.host = absl::StrCat(GetString(e, {"backend", "inferenceServiceName"}), "-predictor.", ns, ".svc.cluster.local");
      b.port = 8443;
      b.protocol = "https";
    } else if (type == "llamastack") {
      // Offline there is no Service to discover; name the first label value.
      std::string app = "llama-stack";
      if (const Json* labels = FindPath(e, {"backend", "discoveryLabels"}); labels && labels->is_object()) {
        if (labels->contains("app") && (*labels)["app"].is_string()) app = (*labels)["app"].get<std::string>();
      }
      b.host = absl::StrCat(app, ".", ns, ".svc.cluster.local");
      b.port = 8321;
    } else if (type == "service") {
      b.host = absl::StrCat(GetString(e, {"backend", "service", "name"}), ".",
                            GetString(e, {"backend", "service", "namespace"}, ns), ".svc.cluster.local");
      b.port = static_cast<int>(GetInt(e, {"backend", "service", "port"}, 80));
    } else {
      continue;
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace srfleet::render
