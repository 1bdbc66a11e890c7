// The HTTP exchange between a client and a simulated cluster, free of any
// transport: the server adapter (sim_server) turns sockets into these, tests
// and in-process users call the cluster directly.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace srfleet::kubesim {

struct ApiRequest {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string target;  // path and query, e.g. /api/v1/namespaces/default/configmaps?limit=1
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string user_agent;  // kept for request counters/logs
  // The path prefix the transport stripped ("/clusters/a"; "" at the root),
  // for links the server hands out (OpenAPI serverRelativeURL).
  std::string mount_prefix;

  // Returns the header value or "" (names compared case-insensitively).
  std::string Header(const std::string& name) const;
};

struct ApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type etc.
  std::string body;
};

// A watch stream's far end. The cluster calls Send() with one complete event
// line ({"type":...,"object":...}\n) at a time, from whatever thread made the
// change, and Close() when it ends the stream (expired, dropped, shutdown).
// Implementations must be cheap and must not call back into the cluster.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  virtual void Send(std::string event_line) = 0;
  virtual void Close() = 0;
};

// What Handle() produced: a complete response, or a watch that has started
// (send `response` headers with chunked encoding, then stream through the
// sink until Close()).
struct HandleResult {
  ApiResponse response;
  bool is_watch = false;
  // Cancels the watch from the client side (connection closed). Safe to call
  // more than once; null when !is_watch.
  std::function<void()> cancel_watch;
};

}  // namespace srfleet::kubesim
