#include "shared/kube/url.h"

#include <arpa/inet.h>

#include <charconv>

#include "absl/strings/str_cat.h"

namespace srfleet::kube {

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool ServerUrl::host_is_ip() const { return IsIpLiteral(host); }

std::string ServerUrl::HostHeader() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? absl::StrCat("[", host, "]") : host;
  const uint16_t default_port = tls() ? 443 : 80;
  if (port != default_port) absl::StrAppend(&h, ":", port);
  return h;
}

std::string ServerUrl::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return absl::StrCat(scheme, "://", v6 ? absl::StrCat("[", host, "]") : host, ":", port, path_prefix);
}

absl::StatusOr<ServerUrl> ParseServerUrl(const std::string& url) {
  ServerUrl out;
  std::string_view rest = url;
  if (const size_t p = rest.find("://"); p != std::string_view::npos) {
    out.scheme = std::string(rest.substr(0, p));
    rest.remove_prefix(p + 3);
  } else {
    out.scheme = "https";
  }
  if (out.scheme != "https" && out.scheme != "http") {
    return absl::InvalidArgumentError(
        absl::StrCat("server URL \"", url, "\": scheme must be https or http"));
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("server URL \"", url, "\": user info is not supported"));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("server URL \"", url, "\": unterminated IPv6 literal"));
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("server URL \"", url, "\": junk after IPv6 literal"));
      }
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("server URL \"", url, "\": no host"));
  }
  if (port_text.empty()) {
    out.port = out.tls() ? 443 : 80;
  } else {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("server URL \"", url, "\": invalid port \"", std::string(port_text), "\""));
    }
    out.port = static_cast<uint16_t>(value);
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("server URL \"", url, "\": query or fragment not allowed"));
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path_prefix = std::string(path);
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Query& Query::Add(std::string key, std::string value) {
  params_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Query& Query::AddIfSet(std::string key, const std::string& value) {
  if (!value.empty()) Add(std::move(key), value);
  return *this;
}

std::string Query::Encode() const {
  std::string out;
  for (const auto& [key, value] : params_) {
    out += out.empty() ? '?' : '&';
    out += PercentEncode(key);
    out += '=';
    out += PercentEncode(value);
  }
  return out;
}

}  // namespace srfleet::kube
