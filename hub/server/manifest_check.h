// What the hub accepts as an intent's manifest: one SemanticRouter
// (vllm.ai/v1alpha1), valid against the CRD (all problems reported with
// field paths) except for fields the CRD does not declare, which pass
// (forward compatibility: clusters may run a newer CRD), at most
// kMaxManifestBytes. The stored form keeps the user's
// spec as written (defaults are the cluster API server's job, and unknown
// fields must survive), with metadata reduced to name, namespace, labels and
// annotations, and status dropped.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace srfleet::hub {

// Kubernetes refuses objects over ~1.5 MiB in etcd; a router this big is a
// mistake (a model file pasted into config?).
inline constexpr size_t kMaxManifestBytes = 1024 * 1024;

struct CheckedManifest {
  std::string ns;
  std::string name;
  std::string json;  // what is stored, checksummed and pushed
};

absl::StatusOr<CheckedManifest> CheckManifest(const std::string& manifest_json, const std::string& default_namespace);

}  // namespace srfleet::hub
