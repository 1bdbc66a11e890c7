// A simulated Kubernetes API server: one cluster's state and semantics
// (resourceVersions, generation, status subresource, optimistic concurrency,
// server-side apply with field managers, label selectors, pagination, watch
// with bookmarks/resume/410, finalizers, ownerReference garbage collection,
// discovery, a minimal Deployment controller) answering requests in the real
// server's wire format.
//
// Cost: a Cluster is plain data guarded by a mutex. It owns no thread and no
// socket; an idle one is a few tens of KB, so thousands fit in one process.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shared/json/json.h"
#include "shared/kubesim/api_request.h"

namespace srfleet::kubesim {

struct ClusterOptions {
  std::string name = "sim";
  // Discovery: which optional API groups this cluster serves. OpenShift serves
  // route.openshift.io; Gateway API and KServe are optional add-ons.
  bool openshift = false;
  bool gateway_api = true;
  bool kserve = false;
  std::string kubernetes_version = "v1.30.2";
  // How many past events the watch cache keeps; a watch or list from an older
  // resourceVersion gets 410 Gone, as from a real apiserver's watch cache.
  size_t watch_cache_events = 1000;
  // Bookmark every N events on watches that asked for bookmarks (0: only the
  // initial-events-end bookmark).
  int bookmark_every = 0;
  // Pods become ready as soon as a Deployment wants them, unless held.
  bool hold_readiness = false;
  // Create the namespaces "default", "kube-system" and a default StorageClass.
  bool bootstrap = true;
  // Where timestamps (creationTimestamp, managedFields, conditions) come
  // from; null: the system clock. Tests inject a fixed clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Seeds uids and other generated names, so runs are reproducible.
  uint64_t seed = 0x5eed;
};

// Fault injection, all off by default. Evaluated per request, in order.
struct FaultPlan {
  int fail_nth_request = 0;     // 1-based; 0: off
  int fail_status = 500;        // 429 or 500 (or any 5xx)
  double fail_fraction = 0.0;   // 0..1 of requests fail with fail_status
  int retry_after_seconds = 1;  // on 429 responses
  int added_latency_ms = 0;     // applied by the transport, not by Handle()
  uint64_t seed = 1;            // for fail_fraction
};

// Requests counted by verb (get, list, watch, create, update, patch, apply,
// delete, deletecollection) and resource ("configmaps", "deployments/status").
struct RequestCounters {
  std::map<std::string, int64_t> by_verb;
  std::map<std::string, int64_t> by_verb_resource;  // "patch deployments"
  int64_t total = 0;
  int64_t writes() const;  // create+update+patch+apply+delete+deletecollection
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Answers one request. For a watch, `sink` receives the events: the
  // initial ones before Handle returns (buffer them until the response
  // headers are out), later ones from whichever thread makes a change. A
  // watch without a sink is answered at once with the events so far in the
  // body (is_watch false). cancel_watch unregisters without calling Close().
  HandleResult Handle(const ApiRequest& request, std::shared_ptr<WatchSink> sink = nullptr);

  // Installs a CustomResourceDefinition (apiextensions.k8s.io/v1 object):
  // its kinds become servable and their objects are validated against its
  // schema (unknown fields refused on apply). Also reachable through POST.
  absl::Status InstallCrd(const Json& crd);
  // Installs the SemanticRouter CRD srfleet embeds, and optionally the
  // third-party CRDs the agent uses (HTTPRoute/Gateway, Route, InferenceService).
  absl::Status InstallSemanticRouterCrd();

  // Test controls.
  void SetFaults(const FaultPlan& plan);
  FaultPlan faults() const;
  void HoldReadiness(bool hold);  // release: pending Deployments become ready
  void DropWatches();             // closes every open watch stream
  // Simulates an apiserver restart: open watches close; with keep_state the
  // objects survive (like etcd), otherwise the cluster starts empty.
  void Restart(bool keep_state);
  void SetDiscovery(bool openshift, bool gateway_api, bool kserve);

  RequestCounters counters() const;
  void ResetCounters();
  int64_t resource_version() const;
  size_t object_count() const;
  size_t open_watches() const;
  // Approximate heap bytes held by this cluster (objects, event cache).
  size_t ApproximateMemoryBytes() const;
  const ClusterOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace srfleet::kubesim
