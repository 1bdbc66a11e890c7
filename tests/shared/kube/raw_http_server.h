// A scripted HTTP/1.1 server on 127.0.0.1 built on plain POSIX sockets (no
// Beast, so tests compile fast): every request goes to a handler that
// writes whatever bytes it likes, which lets tests control framing, chunk
// boundaries, timing and connection closes exactly.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace srfleet::kube::testing {

struct RawRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int connection_index = 0;  // 0-based, in accept order
};

inline bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

inline std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + data + "\r\n";
}

inline std::string SimpleResponse(int code, const std::string& body, const std::string& extra_headers = "",
                                  const std::string& reason = "X") {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class RawHttpServer {
 public:
  // Writes the response to `fd`; returns false to close the connection.
  using Handler = std::function<bool(const RawRequest&, int fd)>;

  explicit RawHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~RawHttpServer() { Stop(); }

  void Stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    accept_thread_.join();
    ::close(listen_fd_);
    CloseAllConnections();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }

  // Shuts every open connection down (the client sees EOF).
  void CloseAllConnections() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }

  int port() const { return port_; }
  std::string url(const std::string& prefix = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + prefix;
  }
  int connections() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop() {
    while (!stopped_.load()) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      const int index = accepted_++;
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd, index] { Serve(fd, index); });
    }
  }

  // Reads one request; false on EOF/error.
  static bool ReadRequest(int fd, std::string& buffer, RawRequest& out) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      char tmp[4096];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buffer.append(tmp, static_cast<size_t>(n));
    }
    const std::string head = buffer.substr(0, header_end);
    buffer.erase(0, header_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    out.method = request_line.substr(0, sp1);
    out.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      const std::string line = head.substr(pos, end - pos);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        out.headers[name] = line.substr(v);
      }
      pos = end + 2;
    }
    size_t length = 0;
    if (auto it = out.headers.find("content-length"); it != out.headers.end()) length = std::stoul(it->second);
    while (buffer.size() < length) {
      char tmp[4096];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buffer.append(tmp, static_cast<size_t>(n));
    }
    out.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
  }

  void Serve(int fd, int index) {
    std::string buffer;
    while (!stopped_.load()) {
      RawRequest request;
      request.connection_index = index;
      if (!ReadRequest(fd, buffer, request)) break;
      ++requests_;
      if (!handler_(request, fd)) break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepted_{0}, requests_{0};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// Blocks until the peer closed `fd` (or `timeout_ms` passed): lets a handler
// hold a stream open until the client goes away.
inline void WaitForPeerClose(int fd, int timeout_ms = 10000) {
  pollfd pfd{fd, POLLIN, 0};
  char tmp[256];
  while (::poll(&pfd, 1, timeout_ms) > 0) {
    if (::recv(fd, tmp, sizeof tmp, 0) <= 0) return;
  }
}

}  // namespace srfleet::kube::testing
