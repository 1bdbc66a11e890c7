// The informer caches the reconciler reads, by kind. Optional kinds (Route,
// HTTPRoute, Gateway, InferenceService) come and go with discovery, so the
// set changes at runtime; readers get a shared_ptr that stays valid even if
// the informer is removed meanwhile.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "agent/controller/object_cache.h"

namespace srfleet::agent {

class CacheSet {
 public:
  void Put(const std::string& kind, std::shared_ptr<const ObjectCache> cache) {
    absl::MutexLock lock(&mu_);
    caches_[kind] = std::move(cache);
  }
  void Remove(const std::string& kind) {
    absl::MutexLock lock(&mu_);
    caches_.erase(kind);
  }
  // Null when the kind is not watched (e.g. not served by this cluster).
  std::shared_ptr<const ObjectCache> Find(const std::string& kind) const {
    absl::MutexLock lock(&mu_);
    auto it = caches_.find(kind);
    return it == caches_.end() ? nullptr : it->second;
  }
  // True when every watched cache has loaded its first list.
  bool AllSynced() const {
    absl::MutexLock lock(&mu_);
    for (const auto& [kind, cache] : caches_) {
      if (!cache->HasSynced()) return false;
    }
    return true;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const ObjectCache>> caches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::agent
