// Server-side defaulting of the built-in types, as the real server applies
// it when decoding a create/update (SetDefaults_* in k8s.io/kubernetes plus
// the registry's PrepareForCreate and allocators). Only the defaults clients
// commonly observe are reproduced.
#pragma once

#include <functional>
#include <string>

#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {

struct DefaultingContext {
  const Json* old_object = nullptr;  // set on update
  // Hands out the next free ClusterIP / NodePort of the cluster.
  std::function<std::string()> allocate_cluster_ip;
  std::function<int()> allocate_node_port;
  // Name of the StorageClass annotated as default ("" when none).
  std::string default_storage_class;
};

void ApplyBuiltinDefaults(const ResourceType& type, Json& object, const DefaultingContext& context);

// The status a freshly created object of `type` carries (the zero value of
// its Go status struct, as serialised).
Json InitialStatus(const ResourceType& type);

}  // namespace srfleet::kubesim
