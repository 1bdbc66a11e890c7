// Read-your-writes over informer caches. A reconcile may start before the
// watch event of the agent's own last write has reached the cache (another
// informer's event triggered it); comparing against that stale copy would
// re-apply an object that is already right, or delete one twice. The server's
// answer to each write is kept here until the cache has caught up with it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/controller/object_cache.h"
#include "shared/json/json.h"

namespace srfleet::agent {

class RecentWrites {
 public:
  explicit RecentWrites(absl::Duration ttl = absl::Seconds(10)) : ttl_(ttl) {}

  // `router_key` ("ns/name") groups the entries so ForgetRouter can drop them.
  void RecordWrite(const std::string& router_key, const std::string& kind, const Json& written);
  void RecordDelete(const std::string& router_key, const std::string& kind, const Json& deleted);
  void ForgetRouter(const std::string& router_key);

  // The freshest known state of kind/ns/name: the cache's copy unless a
  // recorded write is newer (by resourceVersion), nullopt when absent or
  // deleted by the agent since. Drops entries the cache has caught up with,
  // and entries older than the TTL: then the cache is the truth again (the
  // object may have been changed or deleted by someone else meanwhile).
  std::optional<Json> Live(const std::string& kind, const ObjectCache* cache, const std::string& ns,
                           const std::string& name);
  // Whether the agent already deleted this object (uid) and the cache has
  // not noticed yet.
  bool RecentlyDeleted(const std::string& kind, const Json& cached);

  size_t size() const;

 private:
  struct Entry {
    std::string router_key;
    std::optional<Json> object;  // nullopt: deleted
    std::string uid;
    int64_t resource_version = 0;
    absl::Time recorded;
  };
  void SweepLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::string Key(const std::string& kind, const std::string& ns, const std::string& name);

  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  int writes_since_sweep_ ABSL_GUARDED_BY(mu_) = 0;
};

// resourceVersion as a number (etcd revisions are); 0 when it is not one.
int64_t NumericResourceVersion(const Json& object);

}  // namespace srfleet::agent
