// Resolves spec.vllmEndpoints[] to concrete addresses from what the cluster
// has (informer caches), deterministically and honestly: an endpoint whose
// target does not exist is reported unresolved with the reason, never
// silently dropped or guessed.
//   kserve:     the InferenceService <isvc> in the router's namespace; its
//               status address when it has one, else the predictor Service
//               <isvc>-predictor.<ns>.svc.cluster.local:8443 over https.
//   llamastack: Services in the router's namespace matching discoveryLabels,
//               the first by name; port "http" if named so, else the first.
//   service:    as given (cross-namespace allowed); the Service must exist.
#pragma once

#include <string>
#include <vector>

#include "agent/controller/object_cache.h"
#include "shared/json/json.h"
#include "shared/render/render_input.h"

namespace srfleet::agent {

// One status.backends[] entry.
struct BackendStatus {
  std::string name;      // vllmEndpoints[].name
  std::string model;
  std::string endpoint;  // host:port when resolved
  std::string protocol;  // http / https when resolved
  bool resolved = false;
  std::string message;   // why not, when unresolved

  Json ToJson() const;
  bool operator==(const BackendStatus&) const = default;
};

struct BackendResolution {
  std::vector<render::ResolvedBackend> resolved;  // spec order, only the resolved ones
  std::vector<BackendStatus> statuses;            // spec order, every endpoint
  bool AllResolved() const;
  // "mistral: InferenceService llm/mistral-7b not found; ..." for the unresolved ones.
  std::string UnresolvedSummary() const;
};

struct BackendSources {
  // Null when the kind is not watched (KServe not installed).
  const ObjectCache* inference_services = nullptr;
  const ObjectCache* services = nullptr;
  // When the agent watches one namespace only, targets elsewhere cannot be
  // checked; they are used as given and marked so in the status.
  std::string watched_namespace;
};

class BackendResolver {
 public:
  explicit BackendResolver(BackendSources sources) : sources_(std::move(sources)) {}
  // `spec` is the SemanticRouter spec; `ns` the router's namespace.
  BackendResolution Resolve(const Json& spec, const std::string& ns) const;

 private:
  BackendSources sources_;
};

// "https://host:8443/path" -> host, port (scheme default when absent) and
// protocol; false when it is not an http(s) URL with a host.
bool ParseServiceUrl(const std::string& url, std::string* host, int* port, std::string* protocol);

}  // namespace srfleet::agent
