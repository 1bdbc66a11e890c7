#include "shared/kubesim/request_router.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace srfleet::kubesim {

std::string UrlDecode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string RequestInfo::Query(const std::string& key) const {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second;
}

bool RequestInfo::QueryBool(const std::string& key) const {
  std::string v = Query(key);
  return v == "true" || v == "1";
}

namespace {

// After the group/version prefix: [watch/] [namespaces/<ns>/] <resource> [/<name> [/<sub>]]
void ParseResourcePath(const std::vector<std::string>& parts, size_t i, RequestInfo& info) {
  if (i < parts.size() && parts[i] == "watch") {
    info.legacy_watch_path = true;
    ++i;
  }
  if (i >= parts.size()) return;
  info.kind = RequestInfo::Kind::kResource;
  if (parts[i] == "namespaces" && i + 2 < parts.size() && parts[i + 2] != "status" && parts[i + 2] != "finalize") {
    // /namespaces/<ns>/<resource>...
    info.ns = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i++];
  if (i < parts.size()) info.name = parts[i++];
  if (i < parts.size()) info.subresource = parts[i++];
  if (i < parts.size()) info.kind = RequestInfo::Kind::kNotFound;  // too deep
}

}  // namespace

RequestInfo ParseTarget(const std::string& target) {
  RequestInfo info;
  std::string path = target;
  std::string query;
  if (auto q = target.find('?'); q != std::string::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  for (const auto& kv : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::string pair(kv);
    auto eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    info.query[key] = value;
  }
  std::vector<std::string> parts;
  for (const auto& p : absl::StrSplit(path, '/', absl::SkipEmpty())) parts.push_back(UrlDecode(std::string(p), false));

  if (parts.size() == 1 && parts[0] == "version") {
    info.kind = RequestInfo::Kind::kVersion;
  } else if (parts.size() == 1 && (parts[0] == "healthz" || parts[0] == "livez" || parts[0] == "readyz")) {
    info.kind = RequestInfo::Kind::kHealth;
  } else if (parts.size() >= 2 && parts[0] == "openapi" && parts[1] == "v3") {
    info.kind = RequestInfo::Kind::kOpenApiV3;
    info.openapi_path = absl::StrJoin(parts.begin() + 2, parts.end(), "/");
  } else if (!parts.empty() && parts[0] == "api") {
    if (parts.size() == 1) {
      info.kind = RequestInfo::Kind::kCoreVersions;
    } else {
      info.version = parts[1];
      if (parts.size() == 2) {
        info.kind = RequestInfo::Kind::kResourceList;
      } else {
        ParseResourcePath(parts, 2, info);
      }
    }
  } else if (!parts.empty() && parts[0] == "apis") {
    if (parts.size() == 1) {
      info.kind = RequestInfo::Kind::kGroupList;
    } else {
      info.group = parts[1];
      if (parts.size() == 2) {
        info.kind = RequestInfo::Kind::kGroup;
      } else {
        info.version = parts[2];
        if (parts.size() == 3) {
          info.kind = RequestInfo::Kind::kResourceList;
        } else {
          ParseResourcePath(parts, 3, info);
        }
      }
    }
  }
  return info;
}

}  // namespace srfleet::kubesim
