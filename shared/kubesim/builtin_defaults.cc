#include "shared/kubesim/builtin_defaults.h"

#include "absl/strings/escaping.h"
#include "shared/kubesim/json_access.h"

namespace srfleet::kubesim {
namespace {

void Default(Json& obj, const char* key, const Json& value) {
  if (obj.is_object() && !obj.contains(key)) obj[key] = value;
}

bool IsLatestOrUntagged(const std::string& image) {
  if (image.find('@') != std::string::npos) return false;  // pinned by digest
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return true;
  return image.substr(colon + 1) == "latest";
}

void DefaultProbe(Json& probe) {
  if (!probe.is_object()) return;
  Default(probe, "timeoutSeconds", 1);
  Default(probe, "periodSeconds", 10);
  Default(probe, "successThreshold", 1);
  Default(probe, "failureThreshold", 3);
  if (Json* http = MutableChild(probe, "httpGet"); http && http->is_object()) Default(*http, "scheme", "HTTP");
}

void DefaultContainer(Json& c) {
  if (!c.is_object()) return;
  Default(c, "resources", Json::object());
  Default(c, "terminationMessagePath", "/dev/termination-log");
  Default(c, "terminationMessagePolicy", "File");
  Default(c, "imagePullPolicy", IsLatestOrUntagged(ChildString(c, "image")) ? "Always" : "IfNotPresent");
  if (Json* ports = MutableChild(c, "ports"); ports && ports->is_array()) {
    for (auto& p : *ports) Default(p, "protocol", "TCP");
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    if (Json* p = MutableChild(c, probe)) DefaultProbe(*p);
  }
  if (Json* env = MutableChild(c, "env"); env && env->is_array()) {
    for (auto& e : *env) {
      Json* from = MutableChild(e, "valueFrom");
      Json* field = from ? MutableChild(*from, "fieldRef") : nullptr;
      if (field && field->is_object()) Default(*field, "apiVersion", "v1");
    }
  }
}

void DefaultPodSpec(Json& spec) {
  if (!spec.is_object()) return;
  for (const char* list : {"initContainers", "containers"}) {
    if (Json* cs = MutableChild(spec, list); cs && cs->is_array()) {
      for (auto& c : *cs) DefaultContainer(c);
    }
  }
  Default(spec, "restartPolicy", "Always");
  Default(spec, "terminationGracePeriodSeconds", 30);
  Default(spec, "dnsPolicy", "ClusterFirst");
  Default(spec, "securityContext", Json::object());
  Default(spec, "schedulerName", "default-scheduler");
  if (Json* volumes = MutableChild(spec, "volumes"); volumes && volumes->is_array()) {
    for (auto& v : *volumes) {
      for (const char* source : {"configMap", "secret"}) {
        if (Json* s = MutableChild(v, source); s && s->is_object()) Default(*s, "defaultMode", 420);
      }
    }
  }
}

void DefaultDeployment(Json& obj) {
  Json& spec = EnsureObject(obj, "spec");
  Default(spec, "replicas", 1);
  Json& strategy = EnsureObject(spec, "strategy");
  Default(strategy, "type", "RollingUpdate");
  if (ChildString(strategy, "type") == "RollingUpdate") {
    Json& ru = EnsureObject(strategy, "rollingUpdate");
    Default(ru, "maxUnavailable", "25%");
    Default(ru, "maxSurge", "25%");
  }
  Default(spec, "revisionHistoryLimit", 10);
  Default(spec, "progressDeadlineSeconds", 600);
  Json& tmpl = EnsureObject(spec, "template");
  Json& tmeta = EnsureObject(tmpl, "metadata");
  // The pod template's ObjectMeta serialises its zero creationTimestamp.
  Default(tmeta, "creationTimestamp", nullptr);
  DefaultPodSpec(EnsureObject(tmpl, "spec"));
}

void DefaultService(Json& obj, const DefaultingContext& ctx) {
  Json& spec = EnsureObject(obj, "spec");
  Default(spec, "type", "ClusterIP");
  const std::string type = ChildString(spec, "type");
  if (Json* ports = MutableChild(spec, "ports"); ports && ports->is_array()) {
    for (auto& p : *ports) {
      if (!p.is_object()) continue;
      Default(p, "protocol", "TCP");
      if (const Json* port = Child(p, "port")) Default(p, "targetPort", *port);
      if ((type == "NodePort" || type == "LoadBalancer") && !Child(p, "nodePort") && ctx.allocate_node_port) {
        p["nodePort"] = ctx.allocate_node_port();
      }
    }
  }
  if (type == "ExternalName") return;
  // Allocated values survive updates that leave them out.
  const Json* old_spec = ctx.old_object ? Child(*ctx.old_object, "spec") : nullptr;
  if (!Child(spec, "clusterIP") || ChildString(spec, "clusterIP").empty()) {
    if (old_spec && Child(*old_spec, "clusterIP")) {
      spec["clusterIP"] = *Child(*old_spec, "clusterIP");
      if (const Json* ips = Child(*old_spec, "clusterIPs")) spec["clusterIPs"] = *ips;
    } else if (ctx.allocate_cluster_ip) {
      spec["clusterIP"] = ctx.allocate_cluster_ip();
    }
  }
  if (const Json* ip = Child(spec, "clusterIP")) Default(spec, "clusterIPs", Json::array({*ip}));
  Default(spec, "sessionAffinity", "None");
  Default(spec, "ipFamilies", Json::array({"IPv4"}));
  Default(spec, "ipFamilyPolicy", "SingleStack");
  Default(spec, "internalTrafficPolicy", "Cluster");
  if (type == "NodePort" || type == "LoadBalancer") Default(spec, "externalTrafficPolicy", "Cluster");
  if (type == "LoadBalancer") Default(spec, "allocateLoadBalancerNodePorts", true);
}

void DefaultSecret(Json& obj) {
  Default(obj, "type", "Opaque");
  // stringData is write-only: merged into data, base64-encoded.
  if (const Json* sd = Child(obj, "stringData"); sd && sd->is_object()) {
    const Json string_data = *sd;  // EnsureObject below may move obj's members
    Json& data = EnsureObject(obj, "data");
    for (auto it = string_data.begin(); it != string_data.end(); ++it) {
      if (it->is_string()) data[it.key()] = absl::Base64Escape(it->get<std::string>());
    }
    obj.erase("stringData");
  }
}

void DefaultNamespace(Json& obj) {
  Json& meta = MutableMeta(obj);
  Json& labels = EnsureObject(meta, "labels");
  labels["kubernetes.io/metadata.name"] = ChildString(meta, "name");
  Json& spec = EnsureObject(obj, "spec");
  Default(spec, "finalizers", Json::array({"kubernetes"}));
}

void DefaultPvc(Json& obj, const DefaultingContext& ctx) {
  Json& spec = EnsureObject(obj, "spec");
  if (!Child(spec, "storageClassName") && !ctx.default_storage_class.empty() && !ctx.old_object) {
    spec["storageClassName"] = ctx.default_storage_class;  // DefaultStorageClass admission
  }
  Default(spec, "volumeMode", "Filesystem");
}

void DefaultHpa(Json& obj) {
  Json& spec = EnsureObject(obj, "spec");
  Default(spec, "minReplicas", 1);
  const Json* metrics = Child(spec, "metrics");
  if (!metrics || !metrics->is_array() || metrics->empty()) {
    spec["metrics"] = Json::array({Json{
        {"type", "Resource"},
        {"resource", Json{{"name", "cpu"}, {"target", Json{{"type", "Utilization"}, {"averageUtilization", 80}}}}}}});
  }
}

void DefaultStorageClass(Json& obj) {
  Default(obj, "reclaimPolicy", "Delete");
  Default(obj, "volumeBindingMode", "Immediate");
}

}  // namespace

void ApplyBuiltinDefaults(const ResourceType& type, Json& object, const DefaultingContext& context) {
  if (!object.is_object() || type.unstructured) return;
  const std::string& r = type.resource;
  if (r == "deployments") {
    DefaultDeployment(object);
  } else if (r == "services") {
    DefaultService(object, context);
  } else if (r == "secrets") {
    DefaultSecret(object);
  } else if (r == "namespaces") {
    DefaultNamespace(object);
  } else if (r == "persistentvolumeclaims") {
    DefaultPvc(object, context);
  } else if (r == "horizontalpodautoscalers") {
    DefaultHpa(object);
  } else if (r == "storageclasses") {
    DefaultStorageClass(object);
  }
}

Json InitialStatus(const ResourceType& type) {
  const std::string& r = type.resource;
  if (r == "namespaces") return Json{{"phase", "Active"}};
  if (r == "services" || r == "ingresses") return Json{{"loadBalancer", Json::object()}};
  if (r == "persistentvolumeclaims") return Json{{"phase", "Pending"}};
  if (r == "horizontalpodautoscalers") return Json{{"desiredReplicas", 0}};
  if (r == "poddisruptionbudgets") {
    return Json{{"disruptionsAllowed", 0}, {"currentHealthy", 0}, {"desiredHealthy", 0}, {"expectedPods", 0}};
  }
  if (r == "deployments") return Json::object();
  return Json();  // no status
}

}  // namespace srfleet::kubesim
