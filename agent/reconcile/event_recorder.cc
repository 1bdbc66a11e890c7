#include "agent/reconcile/event_recorder.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent {
namespace {

std::string HostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "srfleet-agent";
  return buf;
}

Json InvolvedObject(const Json& involved) {
  Json ref = Json::object();
  ref["apiVersion"] = StringField(involved, {"apiVersion"});
  ref["kind"] = KindOf(involved);
  ref["name"] = NameOf(involved);
  ref["namespace"] = NamespaceOf(involved);
  ref["uid"] = UidOf(involved);
  return ref;
}

}  // namespace

std::string FormatKubeTime(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

EventRecorder::EventRecorder(kube::KubeClient& client, EventRecorderOptions options)
    : client_(client), options_(std::move(options)) {
  if (options_.instance.empty()) options_.instance = HostName();
  thread_ = std::thread([this] { Run(); });
}

EventRecorder::~EventRecorder() { Stop(); }

absl::Time EventRecorder::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

void EventRecorder::Record(const Json& involved, const std::string& type, const std::string& reason,
                           const std::string& message) {
  // Only what identifies the object is kept while queued, not all of it.
  Json identity = {{"apiVersion", StringField(involved, {"apiVersion"})},
                   {"kind", KindOf(involved)},
                   {"metadata", {{"name", NameOf(involved)}, {"namespace", NamespaceOf(involved)}, {"uid", UidOf(involved)}}}};
  Pending p{std::move(identity), type, reason, message, Now()};
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queued) {
    ++stats_.dropped;
    return;
  }
  queue_.push_back(std::move(p));
}

void EventRecorder::Run() {
  while (true) {
    Pending p;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty() || (stopping_ && absl::Now() > drain_deadline_)) {
        stats_.dropped += static_cast<int64_t>(queue_.size());
        queue_.clear();
        return;
      }
      p = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Process(p);
    absl::MutexLock lock(&mu_);
    busy_ = false;
  }
}

void EventRecorder::Stop(absl::Duration drain) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // already stopping: just wait below
    } else {
      stopping_ = true;
      drain_deadline_ = absl::Now() + drain;
    }
  }
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::Flush() const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return (queue_.empty() && !busy_) || stopping_; };
  mu_.Await(absl::Condition(&idle));
}

void EventRecorder::Process(const Pending& pending) {
  const Json& involved = pending.involved;
  const std::string& type = pending.type;
  const std::string& reason = pending.reason;
  const std::string& message = pending.message;
  const absl::Time now = pending.at;
  const std::string key = absl::StrCat(UidOf(involved), "\x1f", type, "\x1f", reason, "\x1f", message);
  std::string ns, name;
  int64_t count = 0;
  {
    absl::MutexLock lock(&mu_);
    SweepLocked(now);
    auto it = series_.find(key);
    if (it != series_.end() && now - it->second.first <= options_.aggregation_window) {
      Series& s = it->second;
      s.last_seen = now;
      ++s.pending;
      if (now - s.last_written < options_.min_patch_interval) {
        ++stats_.suppressed;
        return;
      }
      ns = s.ns;
      name = s.name;
      count = s.count + s.pending;
      s.count = count;
      s.pending = 0;
      s.last_written = now;
    }
  }
  if (name.empty()) {
    Create(involved, type, reason, message, key, now);
    return;
  }
  Json patch = {{"count", count}, {"lastTimestamp", FormatKubeTime(now)}};
  absl::StatusOr<Json> patched = client_.MergePatch(kube::ResourceRef::Core("events", ns, name), patch);
  if (patched.ok()) {
    absl::MutexLock lock(&mu_);
    ++stats_.patched;
    return;
  }
  if (kube::IsNotFound(patched.status())) {  // expired by the server's event TTL
    {
      absl::MutexLock lock(&mu_);
      series_.erase(key);
    }
    Create(involved, type, reason, message, key, now);
    return;
  }
  spdlog::warn("msg=\"event patch failed\" object={}/{} reason={} error=\"{}\"", NamespaceOf(involved),
               NameOf(involved), reason, std::string(patched.status().message()));
  absl::MutexLock lock(&mu_);
  ++stats_.failed;
}

void EventRecorder::Create(const Json& involved, const std::string& type, const std::string& reason,
                           const std::string& message, const std::string& key, absl::Time now) {
  int64_t seq = 0;
  {
    absl::MutexLock lock(&mu_);
    seq = ++seq_;
  }
  const std::string ns = NamespaceOf(involved).empty() ? "default" : NamespaceOf(involved);
  // client-go names Events <object>.<unix nanos in hex>; the sequence keeps
  // two Events of the same nanosecond apart.
  char suffix[40];
  std::snprintf(suffix, sizeof(suffix), "%llx", static_cast<unsigned long long>(absl::ToUnixNanos(now) + seq));
  Json event = Json::object();
  event["apiVersion"] = "v1";
  event["kind"] = "Event";
  event["metadata"] = {{"name", absl::StrCat(NameOf(involved), ".", suffix)}, {"namespace", ns}};
  event["involvedObject"] = InvolvedObject(involved);
  event["reason"] = reason;
  event["message"] = message.size() > 1024 ? message.substr(0, 1021) + "..." : message;
  event["type"] = type;
  event["source"] = {{"component", options_.component}};
  event["firstTimestamp"] = FormatKubeTime(now);
  event["lastTimestamp"] = FormatKubeTime(now);
  event["count"] = 1;
  event["reportingComponent"] = options_.component;
  event["reportingInstance"] = options_.instance;
  absl::StatusOr<Json> created = client_.Create(kube::ResourceRef::Core("events", ns), event);
  absl::MutexLock lock(&mu_);
  if (!created.ok()) {
    ++stats_.failed;
    spdlog::warn("msg=\"event create failed\" object={}/{} reason={} error=\"{}\"", ns, NameOf(involved), reason,
                 std::string(created.status().message()));
    return;
  }
  ++stats_.created;
  Series s;
  s.ns = ns;
  s.name = NameOf(*created);
  s.first = s.last_seen = s.last_written = now;
  series_[key] = std::move(s);
}

void EventRecorder::Forget(const std::string& involved_uid) {
  const std::string prefix = involved_uid + "\x1f";
  absl::MutexLock lock(&mu_);
  for (auto it = series_.lower_bound(prefix); it != series_.end() && it->first.rfind(prefix, 0) == 0;) {
    it = series_.erase(it);
  }
}

void EventRecorder::SweepLocked(absl::Time now) {
  // Every few hundred calls: the map holds one entry per distinct event of
  // the last window, so a full scan is cheap when amortised.
  if (++calls_since_sweep_ < 256) return;
  calls_since_sweep_ = 0;
  for (auto it = series_.begin(); it != series_.end();) {
    it = now - it->second.first > options_.aggregation_window ? series_.erase(it) : std::next(it);
  }
}

EventRecorder::Stats EventRecorder::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace srfleet::agent
