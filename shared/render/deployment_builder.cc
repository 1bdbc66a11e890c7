// The router Deployment: router container, optional Envoy sidecar, probes,
// volumes and platform-aware security contexts.
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/render/object_builders.h"

namespace srfleet::render {
namespace {

constexpr char kDefaultRepository[] = "ghcr.io/vllm-project/semantic-router/extproc";
constexpr char kEnvoyImage[] = "envoyproxy/envoy:v1.35.3";
constexpr char kInitImage[] = "registry.access.redhat.com/ubi9/ubi-minimal:latest";
constexpr int64_t kPlatformUid = 1000;

// True when the first path segment of a repository names a registry host.
bool HasRegistryHost(const std::string& repository) {
  auto slash = repository.find('/');
  if (slash == std::string::npos) return false;
  std::string first = repository.substr(0, slash);
  return first == "localhost" || first.find('.') != std::string::npos || first.find(':') != std::string::npos;
}

// imageRegistry replaces the repository's registry instead of being glued in
// front of it (upstream produced "my.registry/ghcr.io/...").
std::string ImageReference(const Json& spec) {
  std::string repository = GetString(spec, {"image", "repository"});
  std::string tag = GetString(spec, {"image", "tag"}, "latest");
  if (repository.empty()) repository = kDefaultRepository;
  std::string registry = GetString(spec, {"image", "imageRegistry"});
  while (!registry.empty() && registry.back() == '/') registry.pop_back();
  if (!registry.empty()) {
    if (HasRegistryHost(repository)) repository = repository.substr(repository.find('/') + 1);
    repository = registry + "/" + repository;
  }
  if (repository.find('@') != std::string::npos || tag.empty()) return repository;
  return repository + ":" + tag;
}

// Overlays the user's fields on the platform defaults: what the user sets
// wins, what they leave out keeps the safe default.
Json Overlay(Json base, const Json* user) {
  if (!user || !user->is_object()) return base;
  for (const auto& [k, v] : user->items()) base[k] = v;
  return base;
}

Json PodSecurityContext(const RenderContext& ctx) {
  Json sc = Json::object();
  sc["runAsNonRoot"] = true;
  if (!ctx.input->platform.openshift) {
    // OpenShift's restricted SCC assigns the UID/GID range itself; a fixed
    // UID there would be rejected.
    sc["runAsUser"] = kPlatformUid;
    sc["runAsGroup"] = kPlatformUid;
    sc["fsGroup"] = kPlatformUid;
  }
  sc["seccompProfile"] = Json{{"type", "RuntimeDefault"}};
  return Overlay(std::move(sc), FindPath(*ctx.spec, {"podSecurityContext"}));
}

Json ContainerSecurityContext(const RenderContext& ctx, bool user_override) {
  Json sc = Json::object();
  sc["allowPrivilegeEscalation"] = false;
  sc["capabilities"] = Json{{"drop", Json::array({"ALL"})}};
  sc["runAsNonRoot"] = true;
  if (!ctx.input->platform.openshift) sc["runAsUser"] = kPlatformUid;
  return user_override ? Overlay(std::move(sc), FindPath(*ctx.spec, {"securityContext"})) : sc;
}

Json TcpProbe(const std::string& port_name) { return Json{{"tcpSocket", Json{{"port", port_name}}}}; }

struct ProbeDefaults {
  int initial_delay, period, timeout, failure;
};

// A probe from spec.<field>: the user's handler (httpGet/tcpSocket/grpc/exec)
// or TCP on the gRPC port, with upstream's timing defaults. Probes the user
// did not mention get safe defaults (startup and readiness only) so that
// readyReplicas, and therefore status, means "serving".
std::optional<Json> Probe(const RenderContext& ctx, const char* field, const ProbeDefaults& d, bool default_on) {
  const Json* p = FindPath(*ctx.spec, {field});
  if (!p) {
    if (!default_on) return std::nullopt;
    static const Json kEmpty = Json::object();
    p = &kEmpty;
  }
  if (!GetBool(*p, {"enabled"}, true)) return std::nullopt;
  Json probe = Json::object();
  bool handler = false;
  for (const char* h : {"httpGet", "tcpSocket", "grpc", "exec"}) {
    if (p->contains(h)) {
      probe[h] = (*p)[h];
      handler = true;
    }
  }
  if (!handler) probe = TcpProbe("grpc");
  probe["initialDelaySeconds"] = GetInt(*p, {"initialDelaySeconds"}, d.initial_delay);
  probe["periodSeconds"] = GetInt(*p, {"periodSeconds"}, d.period);
  probe["timeoutSeconds"] = GetInt(*p, {"timeoutSeconds"}, d.timeout);
  probe["failureThreshold"] = GetInt(*p, {"failureThreshold"}, d.failure);
  if (p->contains("successThreshold")) probe["successThreshold"] = (*p)["successThreshold"];
  if (p->contains("terminationGracePeriodSeconds")) {
    probe["terminationGracePeriodSeconds"] = (*p)["terminationGracePeriodSeconds"];
  }
  return probe;
}

Json ContainerPort(const std::string& name, int port) {
  return Json{{"name", name}, {"containerPort", port}, {"protocol", "TCP"}};
}

Json Mount(const std::string& name, const std::string& path, bool read_only = false) {
  Json m = Json{{"name", name}, {"mountPath", path}};
  if (read_only) m["readOnly"] = true;
  return m;
}

Json EmptyDirVolume(const std::string& name) { return Json{{"name", name}, {"emptyDir", Json::object()}}; }

Json RouterContainer(const RenderContext& ctx) {
  const Json& s = *ctx.spec;
  Json c = Json::object();
  c["name"] = "semantic-router";
  c["image"] = ImageReference(s);
  c["imagePullPolicy"] = GetString(s, {"image", "pullPolicy"}, "IfNotPresent");
  // The router listens on 8080/9190 unless told otherwise; follow the
  // Service's targetPorts so a custom port is served, not just declared.
  Json args = s.contains("args") ? s["args"] : Json::array();
  if (ctx.api.target_port != 8080) args.push_back(absl::StrCat("--api-port=", ctx.api.target_port));
  if (ctx.metrics.target_port != 9190) args.push_back(absl::StrCat("--metrics-port=", ctx.metrics.target_port));
  if (!args.empty()) c["args"] = args;
  Json ports = Json::array();
  ports.push_back(ContainerPort("grpc", ctx.grpc.target_port));
  ports.push_back(ContainerPort("api", ctx.api.target_port));
  ports.push_back(ContainerPort("metrics", ctx.metrics.target_port));
  c["ports"] = ports;
  if (s.contains("env")) c["env"] = s["env"];
  if (s.contains("resources")) c["resources"] = s["resources"];
  if (auto p = Probe(ctx, "startupProbe", {0, 10, 5, 360}, true)) c["startupProbe"] = *p;
  if (auto p = Probe(ctx, "livenessProbe", {30, 30, 10, 5}, false)) c["livenessProbe"] = *p;
  if (auto p = Probe(ctx, "readinessProbe", {0, 10, 5, 3}, true)) {
    // Upstream's readiness default waited 30 s before the first check; that
    // only applies when the user wrote the probe without timings.
    if (FindPath(s, {"readinessProbe"}) && !FindPath(s, {"readinessProbe", "initialDelaySeconds"})) {
      (*p)["initialDelaySeconds"] = 30;
      if (!FindPath(s, {"readinessProbe", "periodSeconds"})) (*p)["periodSeconds"] = 30;
      if (!FindPath(s, {"readinessProbe", "timeoutSeconds"})) (*p)["timeoutSeconds"] = 10;
      if (!FindPath(s, {"readinessProbe", "failureThreshold"})) (*p)["failureThreshold"] = 5;
    }
    c["readinessProbe"] = *p;
  }
  // The config directory (not a subPath file) so the router's hot reload sees
  // ConfigMap updates; upstream's extra subPath mount went stale.
  c["volumeMounts"] = Json::array({Mount("config-volume", "/app/config", true), Mount("cache-volume", "/.cache"),
                                   Mount("router-workdir", "/app/.vllm-sr"), Mount("var-run", "/var/run"),
                                   Mount("var-log", "/var/log"), Mount("models-volume", "/app/models")});
  c["securityContext"] = ContainerSecurityContext(ctx, true);
  return c;
}

Json EnvoyContainer(const RenderContext& ctx) {
  Json c = Json::object();
  c["name"] = "envoy-proxy";
  c["image"] = kEnvoyImage;
  c["imagePullPolicy"] = "IfNotPresent";
  c["command"] = Json::array({"/usr/local/bin/envoy"});
  c["args"] = Json::array({"-c", "/etc/envoy/envoy.yaml", "--component-log-level", "ext_proc:info,router:info,http:info"});
  // Only the listener: the admin interface binds to 127.0.0.1 and is not
  // reachable through a declared port anyway.
  c["ports"] = Json::array({ContainerPort("envoy-http", RenderContext::kEnvoyPort)});
  c["resources"] = Json{{"requests", Json{{"cpu", "250m"}, {"memory", "256Mi"}}},
                        {"limits", Json{{"cpu", "500m"}, {"memory", "512Mi"}}}};
  Json liveness = TcpProbe("envoy-http");
  liveness["initialDelaySeconds"] = 30;
  liveness["periodSeconds"] = 30;
  Json readiness = TcpProbe("envoy-http");
  readiness["initialDelaySeconds"] = 10;
  readiness["periodSeconds"] = 15;
  c["livenessProbe"] = liveness;
  c["readinessProbe"] = readiness;
  c["volumeMounts"] = Json::array({Mount("envoy-config-volume", "/etc/envoy", true)});
  c["securityContext"] = ContainerSecurityContext(ctx, true);
  return c;
}

Json InitContainer(const RenderContext& ctx) {
  Json c = Json::object();
  c["name"] = "setup-dirs";
  c["image"] = kInitImage;
  c["imagePullPolicy"] = "IfNotPresent";
  c["command"] = Json::array({"sh", "-c", "mkdir -p /var/log/supervisor"});
  c["resources"] = Json{{"requests", Json{{"cpu", "10m"}, {"memory", "16Mi"}}},
                        {"limits", Json{{"cpu", "100m"}, {"memory", "64Mi"}}}};
  c["volumeMounts"] = Json::array({Mount("var-log", "/var/log"), Mount("var-run", "/var/run")});
  c["securityContext"] = ContainerSecurityContext(ctx, false);
  return c;
}

Json Volumes(const RenderContext& ctx, bool config_in_secret) {
  Json v = Json::array();
  if (config_in_secret) {
    v.push_back(Json{{"name", "config-volume"}, {"secret", Json{{"secretName", ctx.ConfigName()}}}});
  } else {
    v.push_back(Json{{"name", "config-volume"}, {"configMap", Json{{"name", ctx.ConfigName()}}}});
  }
  for (const char* name : {"cache-volume", "router-workdir", "var-run", "var-log"}) v.push_back(EmptyDirVolume(name));
  if (ctx.standalone) {
    v.push_back(Json{{"name", "envoy-config-volume"}, {"configMap", Json{{"name", ctx.EnvoyConfigName()}}}});
  }
  if (ctx.persistence) {
    v.push_back(Json{{"name", "models-volume"},
                     {"persistentVolumeClaim", Json{{"claimName", ctx.ModelsClaimName()}}}});
  } else {
    v.push_back(EmptyDirVolume("models-volume"));
  }
  return v;
}

}  // namespace

Json BuildDeployment(const RenderContext& ctx, bool config_in_secret) {
  const Json& s = *ctx.spec;
  Json pod_meta = Json::object();
  Json labels = SelectorLabels(ctx);
  labels["app.kubernetes.io/managed-by"] = "srfleet";
  labels["app.kubernetes.io/component"] = "router";
  pod_meta["labels"] = labels;
  if (s.contains("podAnnotations") && !s["podAnnotations"].empty()) pod_meta["annotations"] = s["podAnnotations"];

  Json pod = Json::object();
  if (!ctx.service_account.empty()) pod["serviceAccountName"] = ctx.service_account;
  // The router never calls the Kubernetes API: no token in the pod.
  pod["automountServiceAccountToken"] = false;
  pod["securityContext"] = PodSecurityContext(ctx);
  if (s.contains("imagePullSecrets")) pod["imagePullSecrets"] = s["imagePullSecrets"];
  pod["initContainers"] = Json::array({InitContainer(ctx)});
  Json containers = Json::array({RouterContainer(ctx)});
  if (ctx.standalone) containers.push_back(EnvoyContainer(ctx));
  pod["containers"] = containers;
  pod["volumes"] = Volumes(ctx, config_in_secret);
  for (const char* passthrough : {"nodeSelector", "tolerations", "affinity"}) {
    if (s.contains(passthrough)) pod[passthrough] = s[passthrough];
  }

  Json spec = Json::object();
  // With an HPA the replica count belongs to it; setting it here would make
  // every apply fight the autoscaler.
  if (!ctx.autoscaling) spec["replicas"] = ctx.replicas;
  spec["selector"] = Json{{"matchLabels", SelectorLabels(ctx)}};
  spec["template"] = Json{{"metadata", pod_meta}, {"spec", pod}};

  Json d = Json::object();
  d["apiVersion"] = "apps/v1";
  d["kind"] = "Deployment";
  d["metadata"] = ObjectMeta(ctx, ctx.name, "router");
  d["spec"] = spec;
  return d;
}

}  // namespace srfleet::render
