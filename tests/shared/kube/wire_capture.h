// Reads the k8s-wire captures of a real kube-apiserver (../shared/reference):
// one HTTP exchange per file, with "### REQUEST" and "### RESPONSE" parts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "tests/support/test_files.h"

namespace srfleet::kube::testing {

struct WireCapture {
  std::string request;        // request line, headers and body as captured
  std::string response_raw;   // status line, headers, body (exact bytes for the -raw capture)
  int status = 0;
  std::string response_body;  // after the blank line
};

inline std::filesystem::path WireDir() { return srfleet::testing_support::ReferenceDir() / "reference" / "k8s-wire"; }

inline std::optional<WireCapture> LoadCapture(const std::string& name) {
  const std::filesystem::path path = WireDir() / name;
  if (!std::filesystem::exists(path)) return std::nullopt;
  const std::string text = srfleet::testing_support::ReadFile(path);
  const size_t req = text.find("### REQUEST\n");
  const size_t resp = text.find("### RESPONSE\n");
  if (req == std::string::npos || resp == std::string::npos) return std::nullopt;
  WireCapture c;
  c.request = text.substr(req + 12, resp - req - 12);
  c.response_raw = text.substr(resp + 13);
  c.status = std::stoi(c.response_raw.substr(9, 3));
  size_t blank = c.response_raw.find("\r\n\r\n");
  size_t skip = 4;
  if (blank == std::string::npos) {
    blank = c.response_raw.find("\n\n");
    skip = 2;
  }
  if (blank != std::string::npos) c.response_body = c.response_raw.substr(blank + skip);
  // The decoded captures end with the body plus blank lines added by the
  // capture tool; JSON bodies do not need them.
  while (!c.response_body.empty() && c.response_body.back() == '\n' &&
         c.response_raw.find("Transfer-Encoding: chunked") == std::string::npos) {
    c.response_body.pop_back();
  }
  return c;
}

}  // namespace srfleet::kube::testing
