#include "agent/reconcile/recent_writes.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {

int64_t NumericResourceVersion(const Json& object) {
  int64_t rv = 0;
  if (!absl::SimpleAtoi(ResourceVersionOf(object), &rv)) return 0;
  return rv;
}

std::string RecentWrites::Key(const std::string& kind, const std::string& ns, const std::string& name) {
  return absl::StrCat(kind, "/", ns, "/", name);
}

void RecentWrites::RecordWrite(const std::string& router_key, const std::string& kind, const Json& written) {
  Entry e;
  e.router_key = router_key;
  e.object = written;
  e.uid = UidOf(written);
  e.resource_version = NumericResourceVersion(written);
  e.recorded = absl::Now();
  if (e.resource_version == 0) return;  // cannot order it against the cache
  absl::MutexLock lock(&mu_);
  entries_[Key(kind, NamespaceOf(written), NameOf(written))] = std::move(e);
  SweepLocked();
}

void RecentWrites::SweepLocked() {
  // Entries nobody looks up again would otherwise stay; a sweep every few
  // hundred calls (writes and lookups) keeps the map at what the TTL allows.
  if (++writes_since_sweep_ < 256) return;
  writes_since_sweep_ = 0;
  const absl::Time now = absl::Now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.recorded > ttl_ ? entries_.erase(it) : std::next(it);
  }
}

void RecentWrites::RecordDelete(const std::string& router_key, const std::string& kind, const Json& deleted) {
  Entry e;
  e.router_key = router_key;
  e.uid = UidOf(deleted);
  e.resource_version = NumericResourceVersion(deleted);
  e.recorded = absl::Now();
  absl::MutexLock lock(&mu_);
  entries_[Key(kind, NamespaceOf(deleted), NameOf(deleted))] = std::move(e);
  SweepLocked();
}

void RecentWrites::ForgetRouter(const std::string& router_key) {
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.router_key == router_key ? entries_.erase(it) : std::next(it);
  }
}

std::optional<Json> RecentWrites::Live(const std::string& kind, const ObjectCache* cache, const std::string& ns,
                                       const std::string& name) {
  std::optional<Json> cached = cache ? cache->Get(ns, name) : std::nullopt;
  absl::MutexLock lock(&mu_);
  SweepLocked();  // reads count too: an idle agent still reconciles on resync
  auto it = entries_.find(Key(kind, ns, name));
  if (it == entries_.end()) return cached;
  Entry& e = it->second;
  if (absl::Now() - e.recorded > ttl_) {
    entries_.erase(it);
    return cached;
  }
  if (!e.object) {  // deleted by us
    if (!cached || UidOf(*cached) != e.uid) {
      entries_.erase(it);  // the cache saw the delete (or a new object replaced it)
      return cached;
    }
    return std::nullopt;
  }
  if (cached && NumericResourceVersion(*cached) >= e.resource_version) {
    entries_.erase(it);
    return cached;
  }
  return e.object;
}

bool RecentWrites::RecentlyDeleted(const std::string& kind, const Json& cached) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(Key(kind, NamespaceOf(cached), NameOf(cached)));
  return it != entries_.end() && !it->second.object && it->second.uid == UidOf(cached) &&
         absl::Now() - it->second.recorded <= ttl_;
}

size_t RecentWrites::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace srfleet::agent
