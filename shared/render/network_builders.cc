// How traffic reaches the router: Service, Ingress, Gateway API HTTPRoute and
// OpenShift Route.
#include <nlohmann/json.hpp>

#include "shared/render/object_builders.h"

namespace srfleet::render {
namespace {

Json ServicePort(const std::string& name, int port, int target, const std::string& app_protocol) {
  return Json{{"name", name}, {"port", port}, {"targetPort", target}, {"protocol", "TCP"}, {"appProtocol", app_protocol}};
}

Json Header(const RenderContext& ctx, const char* api_version, const char* kind, const std::string& component) {
  Json o = Json::object();
  o["apiVersion"] = api_version;
  o["kind"] = kind;
  o["metadata"] = ObjectMeta(ctx, ctx.name, component);
  return o;
}

}  // namespace

Json BuildService(const RenderContext& ctx) {
  Json ports = Json::array();
  ports.push_back(ServicePort("grpc", ctx.grpc.port, ctx.grpc.target_port, "grpc"));
  ports.push_back(ServicePort("api", ctx.api.port, ctx.api.target_port, "http"));
  if (ctx.standalone) {
    ports.push_back(ServicePort("envoy-http", RenderContext::kEnvoyPort, RenderContext::kEnvoyPort, "http"));
  }
  if (ctx.metrics_enabled) ports.push_back(ServicePort("metrics", ctx.metrics.port, ctx.metrics.target_port, "http"));
  Json svc = Header(ctx, "v1", "Service", "router");
  svc["spec"] = Json{{"type", GetString(*ctx.spec, {"service", "type"}, "ClusterIP")},
                     {"selector", SelectorLabels(ctx)},
                     {"ports", ports}};
  return svc;
}

Json BuildIngress(const RenderContext& ctx) {
  const Json& ingress = *FindPath(*ctx.spec, {"ingress"});
  Json ing = Header(ctx, "networking.k8s.io/v1", "Ingress", "router");
  if (ingress.contains("annotations") && !ingress["annotations"].empty()) {
    ing["metadata"]["annotations"] = ingress["annotations"];
  }
  Json spec = Json::object();
  std::string class_name = GetString(ingress, {"className"});
  if (!class_name.empty()) spec["ingressClassName"] = class_name;
  Json rules = Json::array();
  if (const Json* hosts = FindPath(ingress, {"hosts"}); hosts && hosts->is_array()) {
    for (const auto& host : *hosts) {
      Json paths = Json::array();
      if (const Json* ps = FindPath(host, {"paths"}); ps && ps->is_array()) {
        for (const auto& p : *ps) {
          std::string type = GetString(p, {"pathType"}, "Prefix");
          paths.push_back(Json{
              {"path", GetString(p, {"path"}, "/")},
              {"pathType", type},
              {"backend",
               Json{{"service", Json{{"name", ctx.name},
                                     {"port", Json{{"number", GetInt(p, {"servicePort"}, ctx.FrontPort())}}}}}}}});
        }
      }
      Json rule = Json::object();
      std::string h = GetString(host, {"host"});
      if (!h.empty()) rule["host"] = h;
      rule["http"] = Json{{"paths", paths}};
      rules.push_back(rule);
    }
  }
  spec["rules"] = rules;
  if (ingress.contains("tls") && !ingress["tls"].empty()) spec["tls"] = ingress["tls"];
  ing["spec"] = spec;
  return ing;
}

// Gateway mode: the HTTPRoute upstream only logged a placeholder for
// (issue #1284). Rules follow upstream's intended design.
Json BuildHttpRoute(const RenderContext& ctx) {
  const Json& ref = *FindPath(*ctx.spec, {"gateway", "existingRef"});
  Json parent = Json{{"group", "gateway.networking.k8s.io"},
                     {"kind", "Gateway"},
                     {"name", GetString(ref, {"name"})},
                     {"namespace", GetString(ref, {"namespace"}, ctx.ns)}};
  std::string section = GetString(ref, {"sectionName"});
  if (!section.empty()) parent["sectionName"] = section;

  auto rule = [&](const char* type, const char* path, const char* timeout) {
    return Json{{"matches", Json::array({Json{{"path", Json{{"type", type}, {"value", path}}}}})},
                {"backendRefs", Json::array({Json{{"group", ""},
                                                  {"kind", "Service"},
                                                  {"name", ctx.name},
                                                  {"port", ctx.api.port},
                                                  {"weight", 1}}})},
                {"timeouts", Json{{"request", timeout}, {"backendRequest", timeout}}}};
  };
  Json route = Header(ctx, "gateway.networking.k8s.io/v1", "HTTPRoute", "router");
  route["spec"] = Json{{"parentRefs", Json::array({parent})},
                       {"rules", Json::array({rule("PathPrefix", "/v1/chat/completions", "60s"),
                                              rule("PathPrefix", "/api/v1/classify", "30s"),
                                              rule("Exact", "/health", "5s")})}};
  return route;
}

Json BuildOpenShiftRoute(const RenderContext& ctx) {
  const Json& routes = *FindPath(*ctx.spec, {"openshift", "routes"});
  Json r = Header(ctx, "route.openshift.io/v1", "Route", "router");
  Json spec = Json::object();
  std::string host = GetString(routes, {"hostname"});
  if (!host.empty()) spec["host"] = host;
  spec["to"] = Json{{"kind", "Service"}, {"name", ctx.name}, {"weight", 100}};
  // Clients speak the OpenAI API to Envoy in standalone mode; upstream sent
  // them to the router's internal API port instead.
  spec["port"] = Json{{"targetPort", ctx.standalone ? "envoy-http" : "api"}};
  std::string termination = GetString(routes, {"tls", "termination"}, "edge");
  Json tls = Json{{"termination", termination}};
  std::string insecure = GetString(routes, {"tls", "insecureEdgeTerminationPolicy"}, "Redirect");
  tls["insecureEdgeTerminationPolicy"] = insecure;
  spec["tls"] = tls;
  spec["wildcardPolicy"] = "None";
  r["spec"] = spec;
  return r;
}

}  // namespace srfleet::render
