// What should exist for one SemanticRouter: the renderer's output for the
// facts the agent found (platform, resolved backends, Secret values), each
// object made ready to apply (controller ownerReference, desired-hash
// annotation), minus what cannot or must not be applied now.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/model/semantic_router.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

struct DesiredInputs {
  render::PlatformFacts platform;
  std::vector<render::ResolvedBackend> backends;
  std::map<render::SecretKeyRef, std::string> secret_values;
  // Hold back the router config (a referenced Secret is missing: applying it
  // would put an empty password in place of the right one).
  bool hold_config = false;
  // Hold back the models PVC (its StorageClass does not exist).
  bool hold_models_claim = false;
};

struct DesiredState {
  std::vector<Json> objects;  // apply order
  // "Kind/name" of objects the router wants but that are held back or whose
  // kind the cluster does not serve: an existing one is kept, never pruned.
  std::set<std::string> keep;
  std::vector<std::string> held_back;  // "PersistentVolumeClaim llm/x-models", for messages
  std::vector<std::string> unserved;   // "HTTPRoute llm/x: gateway.networking.k8s.io is not served"
  std::vector<std::string> warnings;   // the renderer's

  // Whether "Kind/name" is desired (applied or kept).
  bool Wants(const std::string& kind, const std::string& name) const;
};

std::string ObjectId(const std::string& kind, const std::string& name);

// `live_router` is the object as read from the cluster (its uid goes into
// the ownerReferences); `router` its validated, defaulted form.
absl::StatusOr<DesiredState> BuildDesiredState(const model::SemanticRouter& router, const Json& live_router,
                                               const DesiredInputs& inputs);

}  // namespace srfleet::agent
