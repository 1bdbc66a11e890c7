// A Kubernetes API client over JSON objects: CRUD, server-side apply,
// patches, watches and discovery, with client-side rate limiting, retries
// and typed errors (api_error.h). Thread-safe; one client per API server.
// Boost/OpenSSL stay behind HttpTransport.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/kube/api_error.h"
#include "shared/kube/backoff.h"
#include "shared/kube/cancel.h"
#include "shared/kube/clock.h"
#include "shared/kube/http_transport.h"
#include "shared/kube/metrics.h"
#include "shared/kube/resource_ref.h"
#include "shared/kube/rest_config.h"
#include "shared/kube/watch_event.h"

namespace srfleet::kube {

struct ListOptions {
  std::string label_selector;  // "app=x,tier in (a,b)"
  std::string field_selector;  // "metadata.name=x"
  int64_t limit = 0;           // page size; 0: everything at once
  std::string continue_token;
  std::string resource_version;        // "" (consistent read), "0" (any), or a version
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
};

struct ObjectList {
  std::string api_version, kind;  // of the list ("v1", "ConfigMapList")
  std::string resource_version;
  std::string continue_token;  // "" on the last page
  std::optional<int64_t> remaining_item_count;
  // Items carry apiVersion and kind (filled from the list when the server
  // left them out, as it does), so they can be cached and re-sent as is.
  std::vector<Json> items;
};

struct WriteOptions {
  std::string field_manager;  // "" lets the server use the user agent
  bool dry_run = false;
};

struct ApplyOptions {
  std::string field_manager;  // "" means RestConfig::user_agent
  bool force = false;         // take ownership of conflicting fields
  bool dry_run = false;
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
};

struct WatchOptions {
  std::string resource_version;  // "" : synthetic ADDED for what exists, then changes
  bool allow_bookmarks = true;
  int timeout_seconds = 0;  // server ends the stream after this; 0: server default
  std::string label_selector;
  std::string field_selector;
};

struct ClientOptions {
  int max_attempts = 5;          // per request, first try included
  BackoffPolicy retry_backoff;   // between attempts without Retry-After
  absl::Duration max_retry_after = absl::Seconds(60);  // cap on the server's Retry-After
  absl::Duration token_refresh = absl::Minutes(1);      // re-read RestConfig::token_file
  std::shared_ptr<RequestObserver> observer;            // metrics hooks; may be null
  Clock* clock = nullptr;                               // null: the real clock
  Backoff::Uniform01 random;                            // null: absl::BitGen
  TransportOptions transport;
  // Tests: replaces the HTTP transport built from the RestConfig.
  std::shared_ptr<HttpTransport> transport_override;
};

struct ServerVersionInfo {
  std::string major, minor, git_version, platform;
};

struct ApiGroupInfo {
  std::string name;  // "" for the core group
  std::vector<std::string> versions;
  std::string preferred_version;
};

struct ApiResourceInfo {
  std::string name;  // plural, or "deployments/status" for subresources
  std::string kind;
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
};

class KubeClient {
 public:
  // Validates the config (server URL, PEM data); does not connect.
  static absl::StatusOr<std::unique_ptr<KubeClient>> New(const RestConfig& config, ClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  const RestConfig& config() const;
  // The default namespace (from the kubeconfig context or the pod).
  const std::string& ns() const { return config().ns; }

  absl::StatusOr<Json> Get(const ResourceRef& ref);
  absl::StatusOr<ObjectList> List(const ResourceRef& ref, const ListOptions& options = {});
  // Follows continue tokens to the end. When a token expires midway (410),
  // starts over once without paging.
  absl::StatusOr<ObjectList> ListAll(const ResourceRef& ref, ListOptions options = {});

  // POST to the collection of `ref` (ref.name is ignored).
  absl::StatusOr<Json> Create(const ResourceRef& ref, const Json& object, const WriteOptions& options = {});
  // PUT; ref.name defaults to object.metadata.name. A metadata.resourceVersion
  // in the object makes it a compare-and-swap (409 Conflict when stale).
  absl::StatusOr<Json> Update(const ResourceRef& ref, const Json& object, const WriteOptions& options = {});
  absl::StatusOr<Json> UpdateStatus(const ResourceRef& ref, const Json& object, const WriteOptions& options = {});
  // Server-side apply: PATCH application/apply-patch+yaml with the object
  // as JSON (valid YAML), fieldManager and force.
  absl::StatusOr<Json> Apply(const ResourceRef& ref, const Json& object, const ApplyOptions& options = {});
  absl::StatusOr<Json> ApplyStatus(const ResourceRef& ref, const Json& object, const ApplyOptions& options = {});
  // JSON merge patch (RFC 7386).
  absl::StatusOr<Json> MergePatch(const ResourceRef& ref, const Json& patch, const WriteOptions& options = {});
  absl::StatusOr<Json> MergePatchStatus(const ResourceRef& ref, const Json& patch, const WriteOptions& options = {});
  // Returns what the server answered: the object (still present while
  // finalizers run) or a Status.
  absl::StatusOr<Json> Delete(const ResourceRef& ref, const DeleteOptions& options = {});

  // Watches the collection of `ref` (ref.name set: that one object, through
  // a metadata.name field selector). Blocks, calling `on_event` for each
  // ADDED/MODIFIED/DELETED/BOOKMARK event, until the stream ends. Returns:
  //   OK                the server ended the stream (timeoutSeconds)
  //   Cancelled         `cancel` fired
  //   Unavailable       the connection dropped
  //   an ApiError status the request was refused, or an ERROR event arrived
  //                     (IsGone(): the resourceVersion is too old; relist)
  absl::Status Watch(const ResourceRef& ref, const WatchOptions& options,
                     const std::function<void(const WatchEvent&)>& on_event, const CancelToken& cancel);

  // Discovery.
  absl::StatusOr<ServerVersionInfo> ServerVersion();
  // The core group (/api) first, then /apis in server order.
  absl::StatusOr<std::vector<ApiGroupInfo>> ServerGroups();
  // "v1" or "apps/v1"; NotFound when the group version is not served.
  absl::StatusOr<std::vector<ApiResourceInfo>> ServerResources(const std::string& group_version);
  absl::StatusOr<bool> IsServed(const std::string& group, const std::string& version, const std::string& resource);

  // GET of any path (e.g. "/healthz", "/openapi/v3"), decoded as JSON.
  absl::StatusOr<Json> GetPath(const std::string& path);

  TransportStats transport_stats() const;

  struct Impl;
  // Use New(); public only for std::make_unique.
  explicit KubeClient(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::kube
