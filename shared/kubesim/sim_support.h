// Internals of SimServer that need no Beast/Asio: mount routing, the watch
// sink that hands events to a connection, the session registry, and the
// apiserver-like response decoration. Not part of the public API.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "shared/kubesim/api_request.h"

namespace srfleet::kubesim {
class Cluster;
}

namespace srfleet::kubesim::sim {

// What the server and watch sinks need from a connection, whatever its stream.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Both are thread-safe: they post to the session's strand.
  virtual void Drop() = 0;              // close now, like a lost network
  virtual void NotifyWatchData() = 0;   // the watch sink has data or closed
};

// Prefix -> cluster; the longest prefix that matches on a path-segment
// boundary wins ("/clusters/a" does not match "/clusters/ab").
class MountTable {
 public:
  struct Route {
    Cluster* cluster = nullptr;
    std::string target;  // the request target with the prefix stripped
    std::string prefix;  // the prefix that matched ("" for the root)
  };
  void Mount(const std::string& prefix, Cluster* cluster);  // nullptr unmounts
  std::optional<Route> Resolve(const std::string& target) const;

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::pair<std::string, Cluster*>> mounts_;  // longest prefix first
};

// Runs callbacks on the server's threads until Close(). Watch sinks post
// through it so that, once the server stops, a late Send() from a cluster
// thread can no longer touch the (destroyed) io_context.
class PostGate {
 public:
  explicit PostGate(std::function<void(std::function<void()>)> post) : post_(std::move(post)) {}
  void Post(std::function<void()> fn);
  void Close();  // waits for in-flight posts

 private:
  std::shared_mutex mu_;
  bool open_ = true;
  std::function<void(std::function<void()>)> post_;
};

// The cluster's end of one watch. Send()/Close() may come from any thread
// (including from inside Handle() on another connection) and only buffer and
// post a wake-up; the session pulls the bytes on its strand with Take().
class StreamSink final : public WatchSink {
 public:
  StreamSink(std::shared_ptr<PostGate> gate, std::weak_ptr<SessionBase> session)
      : gate_(std::move(gate)), session_(std::move(session)) {}
  void Send(std::string event_line) override;
  void Close() override;

  struct Taken {
    std::string data;
    bool closed = false;
  };
  Taken Take();
  // The session is done with this watch: drop anything further.
  void Detach();

 private:
  void Wake(std::unique_lock<std::mutex>& lock);

  std::shared_ptr<PostGate> gate_;
  std::weak_ptr<SessionBase> session_;
  std::mutex mu_;
  std::string pending_;
  bool closed_ = false;
  bool detached_ = false;
  bool woken_ = false;  // a wake-up is queued and not yet consumed by Take()
};

// Live sessions, for DropConnections() and for waiting on Stop().
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<SessionBase>& session);
  void Remove(const SessionBase* session);
  std::vector<std::shared_ptr<SessionBase>> Snapshot() const;
  size_t size() const;
  // True when empty before the deadline.
  bool WaitEmpty(int timeout_ms) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable empty_;
  std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

// What every session shares; owned by SimServer::Impl, outlives the sessions.
struct ServerContext {
  std::string bearer_token;
  MountTable mounts;
  std::shared_ptr<PostGate> gate;
  SessionRegistry registry;
};

// Who may call: none configured, the bearer token, or a verified client cert.
bool Authorized(const std::string& bearer_token, const ApiRequest& request, bool verified_client_cert);

// The apiserver's bodies for transport-level refusals.
ApiResponse UnauthorizedResponse();
ApiResponse PageNotFoundResponse();  // no cluster mounted at that path
ApiResponse InternalErrorResponse(const std::string& message);

// Headers as a real apiserver sends them: the response's own (Content-Type,
// Retry-After, ...) plus Audit-Id, Cache-Control and Date when missing.
std::vector<std::pair<std::string, std::string>> ResponseHeaders(const ApiResponse& response);

// ?timeoutSeconds=N of a watch request, 0 when absent or invalid.
int WatchTimeoutSeconds(const std::string& target);

// Appends `data` with HTTP/1.1 chunked framing, at most `max_chunk` bytes a
// chunk. Like the real server, chunk boundaries ignore event boundaries.
void AppendChunks(std::string_view data, std::string* out, size_t max_chunk = 2048);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// A kubeconfig with one cluster+context per (name, server URL), the first
// current; the user carries the token, else the client certificate, if any.
struct KubeconfigUser {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
};
std::string BuildKubeconfig(const std::vector<std::pair<std::string, std::string>>& name_and_url,
                            const std::string& ca_pem, const KubeconfigUser& user);

}  // namespace srfleet::kubesim::sim
