// Identity, configuration and storage objects: ServiceAccount, the router
// config (ConfigMap or Secret), the Envoy ConfigMap and the models claim.
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shared/json/yaml_codec.h"
#include "shared/render/envoy_bootstrap.h"
#include "shared/render/object_builders.h"

namespace srfleet::render {

Json BuildServiceAccount(const RenderContext& ctx) {
  Json sa = Json::object();
  sa["apiVersion"] = "v1";
  sa["kind"] = "ServiceAccount";
  sa["metadata"] = ObjectMeta(ctx, ctx.service_account, "router");
  if (const Json* a = FindPath(*ctx.spec, {"serviceAccount", "annotations"}); a && !a->empty()) {
    sa["metadata"]["annotations"] = *a;
  }
  sa["automountServiceAccountToken"] = false;
  return sa;
}

Json BuildRouterConfigObject(const RenderContext& ctx, const RouterConfig& config, const std::string& tools_db,
                             std::vector<std::string>* warnings) {
  Json document = config.config;
  for (const auto& use : config.secrets) {
    auto it = ctx.input->secret_values.find(use.ref);
    std::string value;
    if (it != ctx.input->secret_values.end()) {
      value = it->second;
    } else {
      warnings->push_back(absl::StrCat("Secret ", ctx.ns, "/", use.ref.name, " key ", use.ref.key,
                                       " is not resolved here; the agent fills it in at apply time"));
    }
    try {
      document[Json::json_pointer(use.json_pointer)] = value;
    } catch (const std::exception&) {
      warnings->push_back(absl::StrCat("cannot place secret at ", use.json_pointer));
    }
  }
  std::string config_yaml = ToYaml(document);

  Json obj = Json::object();
  obj["apiVersion"] = "v1";
  if (config.secrets.empty()) {
    obj["kind"] = "ConfigMap";
    obj["metadata"] = ObjectMeta(ctx, ctx.ConfigName(), "config");
    obj["data"] = Json{{"config.yaml", config_yaml}, {"tools_db.json", tools_db}};
  } else {
    obj["kind"] = "Secret";
    obj["metadata"] = ObjectMeta(ctx, ctx.ConfigName(), "config");
    obj["type"] = "Opaque";
    obj["data"] = Json{{"config.yaml", absl::Base64Escape(config_yaml)},
                       {"tools_db.json", absl::Base64Escape(tools_db)}};
  }
  return obj;
}

Json BuildEnvoyConfigMap(const RenderContext& ctx) {
  EnvoyBootstrapOptions options;
  options.listener_port = RenderContext::kEnvoyPort;
  options.admin_port = RenderContext::kEnvoyAdminPort;
  options.extproc_port = ctx.grpc.target_port;
  options.router_api_port = ctx.api.target_port;
  Json cm = Json::object();
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"] = ObjectMeta(ctx, ctx.EnvoyConfigName(), "envoy-config");
  cm["data"] = Json{{"envoy.yaml", ToYaml(RenderEnvoyBootstrap(options))}};
  return cm;
}

Json BuildModelsClaim(const RenderContext& ctx) {
  static const Json kNone = Json::object();
  const Json* found = FindPath(*ctx.spec, {"persistence"});
  const Json& p = found ? *found : kNone;  // absent: upstream's effective defaults
  Json pvc = Json::object();
  pvc["apiVersion"] = "v1";
  pvc["kind"] = "PersistentVolumeClaim";
  pvc["metadata"] = ObjectMeta(ctx, ctx.ModelsClaimName(), "models");
  if (p.contains("annotations") && !p["annotations"].empty()) pvc["metadata"]["annotations"] = p["annotations"];
  Json spec = Json::object();
  spec["accessModes"] = Json::array({GetString(p, {"accessMode"}, "ReadWriteOnce")});
  spec["resources"] = Json{{"requests", Json{{"storage", GetString(p, {"size"}, "10Gi")}}}};
  // No class named: leave it out so the cluster's default class applies.
  std::string storage_class = GetString(p, {"storageClassName"});
  if (!storage_class.empty()) spec["storageClassName"] = storage_class;
  spec["volumeMode"] = "Filesystem";
  pvc["spec"] = spec;
  return pvc;
}

}  // namespace srfleet::render
