// Which SemanticRouters depend on which other objects (backend Services and
// InferenceServices, Llama Stack label selectors, the Gateway, StorageClasses),
// so that an event on one of those enqueues exactly the routers it can
// affect: a backend that appears is picked up within seconds, and a router's
// own Service changing does not wake every router in the namespace.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shared/json/json.h"

namespace srfleet::agent {

class DependencyIndex {
 public:
  // From the router's spec (raw, as cached); replaces what was known.
  void Update(const Json& router);
  void Remove(const Json& router);

  // Keys ("ns/name") of the routers an event on this object may affect.
  std::vector<std::string> ForService(const Json& service) const;
  std::vector<std::string> ForInferenceService(const Json& isvc) const;
  std::vector<std::string> ForGateway(const Json& gateway) const;
  std::vector<std::string> ForStorageClass(const Json& storage_class) const;  // routers that want a PVC
  size_t size() const;

 private:
  struct Refs {
    std::string ns;
    std::set<std::string> services;       // "ns/name"
    std::set<std::string> isvcs;          // "ns/name"
    std::vector<std::map<std::string, std::string>> selectors;  // Llama Stack, in ns
    std::set<std::string> gateways;       // "ns/name"
    bool wants_claim = false;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Refs> routers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::agent
