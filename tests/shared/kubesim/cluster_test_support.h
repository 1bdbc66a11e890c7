// Helpers for the kubesim Cluster tests: requests in one line, a recording
// watch sink, a fixed clock, and the k8s-wire captures parsed into
// request/response parts.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/json/json.h"
#include "shared/kubesim/cluster.h"
#include "tests/support/test_files.h"

namespace srfleet::kubesim::testing {

// 2026-11-21T12:00:31Z, the time of the SSA captures.
inline std::chrono::system_clock::time_point FixedTime() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795262431));
}

inline ClusterOptions TestOptions() {
  ClusterOptions o;
  o.clock = [] { return FixedTime(); };
  return o;
}

inline ApiResponse Call(Cluster& c, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& content_type = "application/json",
                        const std::string& user_agent = "k8s-wire-capture/1.0") {
  ApiRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  r.user_agent = user_agent;
  r.headers = {{"user-agent", user_agent}, {"accept", "application/json"}};
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  return c.Handle(r).response;
}

inline Json BodyOf(const ApiResponse& r) { return Json::parse(r.body, nullptr, false); }

inline std::string HeaderOf(const ApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class RecordingSink : public WatchSink {
 public:
  void Send(std::string line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(std::move(line));
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  std::vector<Json> events() const {
    std::vector<Json> out;
    for (const auto& l : lines()) out.push_back(Json::parse(l, nullptr, false));
    return out;
  }
  bool closed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  bool closed_ = false;
};

inline HandleResult Watch(Cluster& c, const std::string& target, std::shared_ptr<WatchSink> sink) {
  ApiRequest r;
  r.method = "GET";
  r.target = target;
  r.user_agent = "watcher/1.0";
  return c.Handle(r, std::move(sink));
}

// One exchange of reference/k8s-wire/<name>.
struct Capture {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> request_headers;
  std::string request_body;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::string response_body;  // without the trailing newline
  std::string RequestHeader(const std::string& name) const {
    for (const auto& [k, v] : request_headers) {
      if (k == name) return v;
    }
    return "";
  }
};

inline std::filesystem::path WireDir() { return srfleet::testing_support::ReferenceDir() / "reference" / "k8s-wire"; }
inline std::filesystem::path DiscoveryDir() {
  return srfleet::testing_support::ReferenceDir() / "reference" / "k8s-discovery";
}
inline std::filesystem::path CrdDir() { return srfleet::testing_support::ReferenceDir() / "reference" / "crds"; }

inline std::optional<Capture> LoadCapture(const std::string& file) {
  auto path = WireDir() / file;
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::string text = srfleet::testing_support::ReadFile(path);
  auto req_at = text.find("### REQUEST\n");
  auto resp_at = text.find("### RESPONSE\n");
  if (req_at == std::string::npos || resp_at == std::string::npos) return std::nullopt;
  Capture c;
  std::string req = text.substr(req_at + 12, resp_at - req_at - 12);
  std::string resp = text.substr(resp_at + 13);
  auto split_head = [](const std::string& block, std::string* first, std::vector<std::pair<std::string, std::string>>* headers,
                       std::string* body) {
    auto blank = block.find("\n\n");
    std::string head = block.substr(0, blank);
    *body = blank == std::string::npos ? "" : block.substr(blank + 2);
    std::vector<std::string> lines = absl::StrSplit(head, '\n');
    *first = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      auto colon = lines[i].find(": ");
      if (colon != std::string::npos) headers->emplace_back(lines[i].substr(0, colon), lines[i].substr(colon + 2));
    }
  };
  std::string request_line, status_line;
  split_head(req, &request_line, &c.request_headers, &c.request_body);
  split_head(resp, &status_line, &c.response_headers, &c.response_body);
  std::vector<std::string> rl = absl::StrSplit(request_line, ' ');
  if (rl.size() >= 2) {
    c.method = rl[0];
    c.target = rl[1];
  }
  std::vector<std::string> sl = absl::StrSplit(status_line, ' ');
  if (sl.size() >= 2) c.status = std::stoi(sl[1]);
  while (!c.request_body.empty() && c.request_body.back() == '\n') c.request_body.pop_back();
  while (!c.response_body.empty() && c.response_body.back() == '\n') c.response_body.pop_back();
  return c;
}

// Object keys, recursively: {"a":{"b":1}} -> {"a", "a.b"}.
inline void KeyPaths(const Json& v, const std::string& prefix, std::vector<std::string>* out) {
  if (!v.is_object()) return;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
    out->push_back(p);
    KeyPaths(*it, p, out);
  }
}

inline std::vector<std::string> TopKeys(const Json& v) {
  std::vector<std::string> out;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
  }
  return out;
}

}  // namespace srfleet::kubesim::testing
