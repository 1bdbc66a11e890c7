#include "agent/reconcile/resource_kinds.h"

namespace srfleet::agent {
namespace {

KindInfo Make(std::string kind, std::string group, std::string version, std::string resource, bool namespaced,
              bool owned, RequiredApi api = RequiredApi::kNone) {
  KindInfo k;
  k.kind = std::move(kind);
  k.api_version = group.empty() ? version : group + "/" + version;
  k.ref = group.empty() ? kube::ResourceRef::Core(std::move(resource))
                        : kube::ResourceRef::Grouped(std::move(group), std::move(version), std::move(resource));
  k.namespaced = namespaced;
  k.owned = owned;
  k.requires_api = api;
  return k;
}

}  // namespace

const std::vector<KindInfo>& AllKinds() {
  static const auto* kinds = new std::vector<KindInfo>{
      Make("ServiceAccount", "", "v1", "serviceaccounts", true, true),
      Make("ConfigMap", "", "v1", "configmaps", true, true),
      Make("Secret", "", "v1", "secrets", true, true),
      Make("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", true, true),
      Make("Deployment", "apps", "v1", "deployments", true, true),
      Make("Service", "", "v1", "services", true, true),
      Make("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", true, true),
      Make("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", true, true),
      Make("Ingress", "networking.k8s.io", "v1", "ingresses", true, true),
      Make("HTTPRoute", "gateway.networking.k8s.io", "v1", "httproutes", true, true, RequiredApi::kGatewayApi),
      Make("Route", "route.openshift.io", "v1", "routes", true, true, RequiredApi::kOpenShift),
      Make(kRouterKind, kRouterGroup, kRouterVersion, "semanticrouters", true, false),
      Make("StorageClass", "storage.k8s.io", "v1", "storageclasses", false, false),
      Make("Gateway", "gateway.networking.k8s.io", "v1", "gateways", true, false, RequiredApi::kGatewayApi),
      Make("InferenceService", "serving.kserve.io", "v1beta1", "inferenceservices", true, false,
           RequiredApi::kKServe),
  };
  return *kinds;
}

const KindInfo* FindKind(const std::string& kind) {
  for (const auto& k : AllKinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

const KindInfo& RouterKindInfo() { return *FindKind(kRouterKind); }

std::vector<const KindInfo*> OwnedKinds() {
  std::vector<const KindInfo*> out;
  for (const auto& k : AllKinds()) {
    if (k.owned) out.push_back(&k);
  }
  return out;
}

bool IsServed(const KindInfo& info, const render::PlatformFacts& facts) {
  switch (info.requires_api) {
    case RequiredApi::kNone:
      return true;
    case RequiredApi::kOpenShift:
      return facts.openshift;
    case RequiredApi::kGatewayApi:
      return facts.gateway_api;
    case RequiredApi::kKServe:
      return facts.kserve;
  }
  return false;
}

}  // namespace srfleet::agent
