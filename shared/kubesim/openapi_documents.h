// OpenAPI v3 discovery as kube-apiserver serves it:
//
//   GET /openapi/v3                  -> {"paths":{"api/v1":{"serverRelativeURL":
//                                        "/openapi/v3/api/v1?hash=<HASH>"}, ...}}
//   GET /openapi/v3/<gv>?hash=<HASH> -> one OpenAPI 3.0 document per served
//                                       group-version (paths + components)
//
// kubectl needs it: `apply`/`create` with --validate=strict ask it whether a
// kind's PATCH takes `fieldValidation` (then the server validates and the
// client does not), `apply` looks up patch types, `explain` renders schemas.
//
// Schemas: a CRD-backed kind publishes its openAPIV3Schema (metadata as a
// reference to ObjectMeta, apiVersion/kind added, tagged with
// x-kubernetes-group-version-kind), as the apiextensions server does.
// kubesim embeds no schemas for built-in kinds, so they (and ObjectMeta and
// friends) are permissive objects; the server validates them anyway.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "shared/json/json.h"
#include "shared/kubesim/api_request.h"
#include "shared/kubesim/resource_registry.h"

namespace srfleet::kubesim {

// "api/v1" or "apis/<group>/<version>".
std::string OpenApiGroupVersionPath(const std::string& group, const std::string& version);

// The document of one group-version ("apis/apps/v1"); nullopt when nothing
// is served there.
std::optional<Json> OpenApiGroupVersionDocument(const ResourceRegistry& registry, const std::string& gv_path,
                                                const std::string& kubernetes_version);

// The content hash kube-apiserver puts in serverRelativeURL and the ETag
// (upper-case hex; kubesim uses SHA-256 where the real server uses SHA-512).
std::string OpenApiHash(const std::string& document_wire);

// GET /openapi/v3: every served group-version. `mount_prefix` (the path the
// transport stripped, "/clusters/x") is put in front of each
// serverRelativeURL, because client-go requests that URL as an absolute path
// and would otherwise reach whichever cluster is mounted at the root.
Json OpenApiIndex(const ResourceRegistry& registry, const std::string& mount_prefix,
                  const std::string& kubernetes_version);

// The HTTP answer to GET /openapi/v3[/<gv>]: 200 with ETag (and, when the
// request names the current hash, immutable caching headers), 301 to the
// current hash when it names another, 304 for a matching If-None-Match, 404
// for an unknown group-version.
// `gv_path` "" is the index. `now` dates the Expires header.
ApiResponse ServeOpenApiV3(const ResourceRegistry& registry, const ApiRequest& request, const std::string& gv_path,
                           const std::string& hash_param, const std::string& kubernetes_version,
                           std::chrono::system_clock::time_point now);

}  // namespace srfleet::kubesim
