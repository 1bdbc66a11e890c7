#include "shared/kubesim/sim_support.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace srfleet::kubesim::sim {

// ---- MountTable ---------------------------------------------------------------

namespace {
std::string NormalizePrefix(std::string prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty() && prefix.front() != '/') prefix.insert(prefix.begin(), '/');
  return prefix;
}
}  // namespace

void MountTable::Mount(const std::string& raw_prefix, Cluster* cluster) {
  std::string prefix = NormalizePrefix(raw_prefix);
  std::unique_lock lock(mu_);
  std::erase_if(mounts_, [&](const auto& m) { return m.first == prefix; });
  if (cluster == nullptr) return;
  mounts_.emplace_back(prefix, cluster);
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::optional<MountTable::Route> MountTable::Resolve(const std::string& target) const {
  std::shared_lock lock(mu_);
  for (const auto& [prefix, cluster] : mounts_) {
    if (!target.starts_with(prefix)) continue;
    if (target.size() > prefix.size() && target[prefix.size()] != '/' && target[prefix.size()] != '?') {
      continue;  // "/clusters/ab" is not under "/clusters/a"
    }
    std::string rest = target.substr(prefix.size());
    if (rest.empty() || rest.front() == '?') rest.insert(rest.begin(), '/');
    return Route{cluster, std::move(rest), prefix};
  }
  return std::nullopt;
}

// ---- PostGate / StreamSink ----------------------------------------------------

void PostGate::Post(std::function<void()> fn) {
  std::shared_lock lock(mu_);
  if (open_) post_(std::move(fn));
}

void PostGate::Close() {
  std::unique_lock lock(mu_);
  open_ = false;
}

void StreamSink::Send(std::string event_line) {
  std::unique_lock lock(mu_);
  if (closed_ || detached_) return;
  pending_ += event_line;
  Wake(lock);
}

void StreamSink::Close() {
  std::unique_lock lock(mu_);
  if (closed_ || detached_) return;
  closed_ = true;
  Wake(lock);
}

// One queued wake-up per batch: a burst of events costs one post.
void StreamSink::Wake(std::unique_lock<std::mutex>& lock) {
  if (woken_) return;
  woken_ = true;
  lock.unlock();
  // The posted callback holds only a weak reference: the session is locked on
  // a server thread, never here, so a cluster thread never runs (and never
  // destroys) a session from inside Send().
  gate_->Post([session = session_] {
    if (std::shared_ptr<SessionBase> s = session.lock()) s->NotifyWatchData();
  });
}

StreamSink::Taken StreamSink::Take() {
  std::lock_guard lock(mu_);
  woken_ = false;
  return Taken{std::exchange(pending_, {}), closed_};
}

void StreamSink::Detach() {
  std::lock_guard lock(mu_);
  detached_ = true;
  pending_.clear();
}

// ---- SessionRegistry ----------------------------------------------------------

void SessionRegistry::Add(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(mu_);
  sessions_[session.get()] = session;
}

void SessionRegistry::Remove(const SessionBase* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
  if (sessions_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<SessionBase>> SessionRegistry::Snapshot() const {
  std::vector<std::shared_ptr<SessionBase>> live;
  std::lock_guard lock(mu_);
  live.reserve(sessions_.size());
  for (const auto& [ptr, weak] : sessions_) {
    if (std::shared_ptr<SessionBase> s = weak.lock()) live.push_back(std::move(s));
  }
  return live;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::WaitEmpty(int timeout_ms) const {
  std::unique_lock lock(mu_);
  return empty_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return sessions_.empty(); });
}

// ---- HTTP details ------------------------------------------------------------

bool Authorized(const std::string& bearer_token, const ApiRequest& request, bool verified_client_cert) {
  if (bearer_token.empty() || verified_client_cert) return true;
  std::string header = request.Header("authorization");
  // Like the apiserver: scheme case-insensitive, token compared exactly.
  std::pair<std::string, std::string> parts = absl::StrSplit(header, absl::MaxSplits(' ', 1));
  return absl::EqualsIgnoreCase(parts.first, "bearer") &&
         std::string(absl::StripAsciiWhitespace(parts.second)) == bearer_token;
}

namespace {
ApiResponse StatusResponse(int code, const std::string& reason, const std::string& message) {
  ApiResponse response;
  response.status = code;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = absl::StrCat(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")", message,
      R"(","reason":")", reason, R"(","code":)", code, "}\n");
  return response;
}

std::string NewAuditId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

bool HasHeader(const ApiResponse& response, const std::string& name) {
  return std::any_of(response.headers.begin(), response.headers.end(),
                     [&](const auto& h) { return absl::EqualsIgnoreCase(h.first, name); });
}
}  // namespace

ApiResponse UnauthorizedResponse() {
  // Byte for byte what kube-apiserver sends (no trailing newline there).
  ApiResponse response = StatusResponse(401, "Unauthorized", "Unauthorized");
  response.body.pop_back();
  return response;
}

ApiResponse PageNotFoundResponse() {
  ApiResponse response;
  response.status = 404;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.body = "404 page not found\n";
  return response;
}

ApiResponse InternalErrorResponse(const std::string& message) {
  return StatusResponse(500, "InternalError", message);
}

std::vector<std::pair<std::string, std::string>> ResponseHeaders(const ApiResponse& response) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!HasHeader(response, "Audit-Id")) headers.emplace_back("Audit-Id", NewAuditId());
  if (!HasHeader(response, "Cache-Control")) headers.emplace_back("Cache-Control", "no-cache, private");
  if (!HasHeader(response, "Content-Type")) headers.emplace_back("Content-Type", "application/json");
  headers.insert(headers.end(), response.headers.begin(), response.headers.end());
  if (!HasHeader(response, "Date")) {
    headers.emplace_back("Date",
                         absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone()));
  }
  return headers;
}

int WatchTimeoutSeconds(const std::string& target) {
  size_t query = target.find('?');
  if (query == std::string::npos) return 0;
  std::vector<std::string> params = absl::StrSplit(target.substr(query + 1), '&');
  for (const std::string& param : params) {
    if (!param.starts_with("timeoutSeconds=")) continue;
    int seconds = 0;
    if (absl::SimpleAtoi(param.substr(15), &seconds) && seconds > 0) return seconds;
    return 0;
  }
  return 0;
}

void AppendChunks(std::string_view data, std::string* out, size_t max_chunk) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), max_chunk);
    absl::StrAppend(out, absl::Hex(n), "\r\n");
    out->append(data.substr(0, n));
    out->append("\r\n");
    data.remove_prefix(n);
  }
}

std::string BuildKubeconfig(const std::vector<std::pair<std::string, std::string>>& name_and_url,
                            const std::string& ca_pem, const KubeconfigUser& user) {
  // Hand-written YAML: every value is a URL, a name or base64, so quoting
  // with double quotes is always safe.
  const std::string user_name = "kubesim-admin";
  std::string out = "apiVersion: v1\nkind: Config\nclusters:\n";
  for (const auto& [name, url] : name_and_url) {
    absl::StrAppend(&out, "- name: \"", name, "\"\n  cluster:\n    server: \"", url, "\"\n");
    if (!ca_pem.empty()) {
      absl::StrAppend(&out, "    certificate-authority-data: ", absl::Base64Escape(ca_pem), "\n");
    }
  }
  out += "contexts:\n";
  for (const auto& [name, url] : name_and_url) {
    absl::StrAppend(&out, "- name: \"", name, "\"\n  context:\n    cluster: \"", name,
                    "\"\n    user: \"", user_name, "\"\n");
  }
  absl::StrAppend(&out, "current-context: \"", name_and_url.empty() ? std::string() : name_and_url.front().first,
                  "\"\npreferences: {}\nusers:\n- name: \"", user_name, "\"\n  user:");
  if (!user.token.empty()) {
    absl::StrAppend(&out, "\n    token: \"", user.token, "\"\n");
  } else if (!user.client_cert_pem.empty()) {
    absl::StrAppend(&out, "\n    client-certificate-data: ", absl::Base64Escape(user.client_cert_pem),
                    "\n    client-key-data: ", absl::Base64Escape(user.client_key_pem), "\n");
  } else {
    out += " {}\n";
  }
  return out;
}

}  // namespace srfleet::kubesim::sim
