// The kinds the agent reads and writes, with the API coordinates of each, so
// one table decides what is watched, applied and pruned.
#pragma once

#include <string>
#include <vector>

#include "shared/kube/resource_ref.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

// Which optional API a kind needs before it can be watched or written.
enum class RequiredApi { kNone, kOpenShift, kGatewayApi, kKServe };

struct KindInfo {
  std::string kind;         // "Deployment"
  std::string api_version;  // "apps/v1"
  kube::ResourceRef ref;    // group/version/resource, no namespace or name
  bool namespaced = true;
  bool owned = false;       // the renderer produces it; pruned when no longer desired
  RequiredApi requires_api = RequiredApi::kNone;
};

inline constexpr char kRouterGroup[] = "vllm.ai";
inline constexpr char kRouterVersion[] = "v1alpha1";
inline constexpr char kRouterApiVersion[] = "vllm.ai/v1alpha1";
inline constexpr char kRouterKind[] = "SemanticRouter";
inline constexpr char kFieldManager[] = "srfleet-agent";
inline constexpr char kFinalizer[] = "semanticrouter.vllm.ai/finalizer";
// Every object the renderer produces carries it; owned-kind informers select
// on it so the agent does not cache every ConfigMap/Secret in the cluster.
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "srfleet";

// Every kind, owned kinds first in apply order.
const std::vector<KindInfo>& AllKinds();
// Null for a kind the agent does not know.
const KindInfo* FindKind(const std::string& kind);
const KindInfo& RouterKindInfo();
std::vector<const KindInfo*> OwnedKinds();

// Whether the cluster described by `facts` serves the kind.
bool IsServed(const KindInfo& info, const render::PlatformFacts& facts);

}  // namespace srfleet::agent
