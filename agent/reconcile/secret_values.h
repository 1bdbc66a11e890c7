// The Secret values a router's config needs (password_secret_ref under
// spec.config), read with GET at reconcile time: user Secrets are not cached
// (the agent only watches Secrets it manages), and a password never passes
// through a ConfigMap.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "shared/json/json.h"
#include "shared/kube/kube_client.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

// Every {name, key} of a password_secret_ref anywhere under spec.config.
std::set<render::SecretKeyRef> SecretRefsOf(const Json& spec);

struct SecretValues {
  std::map<render::SecretKeyRef, std::string> values;
  // "Secret llm/redis-credentials not found", "... has no key password".
  std::vector<std::string> problems;
  // True when a read failed for another reason than absence (retry).
  bool transient_error = false;
};

SecretValues ReadSecretValues(kube::KubeClient& client, const std::string& ns,
                              const std::set<render::SecretKeyRef>& refs);

}  // namespace srfleet::agent
