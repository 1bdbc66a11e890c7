// What the renderer needs besides the SemanticRouter itself: facts about the
// target cluster and the backends the agent resolved there. Plain data, so the
// renderer stays a pure function that tests drive directly.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace srfleet::render {

struct PlatformFacts {
  bool openshift = false;          // route.openshift.io is served
  bool gateway_api = false;        // gateway.networking.k8s.io is served
  bool kserve = false;             // serving.kserve.io is served
  std::string kubernetes_version;  // e.g. "v1.30.2"; informational
};

// One spec.vllmEndpoints[] entry resolved to a concrete address.
struct ResolvedBackend {
  std::string endpoint_name;  // spec.vllmEndpoints[].name
  std::string model;          // spec.vllmEndpoints[].model
  std::string host;           // e.g. llama-3-8b-predictor.ns.svc.cluster.local
  int port = 0;
  std::string protocol = "http";  // "http" or "https"
  int weight = 1;
};

// A Secret value the router config needs, e.g. a cache password.
struct SecretKeyRef {
  std::string name;
  std::string key;
  bool operator<(const SecretKeyRef& o) const { return name != o.name ? name < o.name : key < o.key; }
  bool operator==(const SecretKeyRef& o) const { return name == o.name && key == o.key; }
};

struct RenderInput {
  PlatformFacts platform;
  std::vector<ResolvedBackend> backends;
  // Values of Secrets referenced by the spec, when the caller could read them
  // (the agent can, `srfleet render` offline cannot).
  std::map<SecretKeyRef, std::string> secret_values;
};

}  // namespace srfleet::render
