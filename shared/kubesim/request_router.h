// Turns a request target into what it addresses, following the real
// server's URL layout: discovery (/api, /apis/...), /version, and resource
// paths with optional namespace, name and subresource.
#pragma once

#include <map>
#include <string>

#include "shared/kubesim/api_request.h"

namespace srfleet::kubesim {

struct RequestInfo {
  enum class Kind {
    kNotFound,        // nothing here: plain "404 page not found"
    kVersion,         // /version
    kHealth,          // /healthz, /livez, /readyz
    kCoreVersions,    // /api
    kGroupList,       // /apis
    kGroup,           // /apis/<group>
    kResourceList,    // /api/v1, /apis/<group>/<version>
    kResource,        // a resource request
    kOpenApiV3,       // /openapi/v3 (index) and /openapi/v3/<gv path>
  };
  Kind kind = Kind::kNotFound;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  bool legacy_watch_path = false;  // /api/v1/watch/...
  std::string openapi_path;        // kOpenApiV3: "" (index), "api/v1", "apis/apps/v1"
  std::map<std::string, std::string> query;

  std::string Query(const std::string& key) const;
  bool QueryBool(const std::string& key) const;  // "true", "1"
  bool HasQuery(const std::string& key) const { return query.count(key) > 0; }
};

RequestInfo ParseTarget(const std::string& target);

// Percent-decoding for path segments and query values ('+' is a space in
// queries only).
std::string UrlDecode(const std::string& s, bool plus_is_space);

}  // namespace srfleet::kubesim
