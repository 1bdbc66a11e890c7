// Manifests, pushes and fast link options shared by the hub link tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "agent/hublink/fleet_metadata.h"
#include "agent/hublink/hub_link.h"
#include "fleet/v1/agent_link.pb.h"
#include "shared/json/json.h"

namespace srfleet::agent::hublink::testing {

// A valid SemanticRouter (one Service backend), as the hub would store it.
inline Json RouterManifest(const std::string& ns, const std::string& name, const std::string& model = "qwen2.5-7b") {
  return {
      {"apiVersion", "vllm.ai/v1alpha1"},
      {"kind", "SemanticRouter"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"vllmEndpoints",
         Json::array({{{"name", "qwen"},
                       {"model", model},
                       {"backend", {{"type", "service"}, {"service", {{"name", "vllm-qwen"}, {"port", 8000}}}}}}})}}}};
}

// Not sha256, but the agent treats the checksum as opaque.
inline std::string FakeChecksum(const std::string& bytes) {
  return absl::StrFormat("%016x", std::hash<std::string>{}(bytes));
}

inline fleet::v1::HubMessage UpsertOf(const std::string& nonce, const Json& manifest, int64_t revision) {
  fleet::v1::HubMessage m;
  fleet::v1::IntentUpsert* u = m.mutable_upsert();
  const std::string ns = manifest["metadata"]["namespace"].get<std::string>();
  const std::string name = manifest["metadata"]["name"].get<std::string>();
  const std::string bytes = manifest.dump();
  u->set_nonce(nonce);
  u->set_intent_id(absl::StrCat(ns, "/", name));
  u->set_revision(revision);
  u->set_checksum(FakeChecksum(bytes));
  u->set_namespace_(ns);
  u->set_name(name);
  u->set_manifest_json(bytes);
  return m;
}

inline fleet::v1::HubMessage DeleteOf(const std::string& nonce, const std::string& intent_id) {
  fleet::v1::HubMessage m;
  m.mutable_delete_()->set_nonce(nonce);
  m.mutable_delete_()->set_intent_id(intent_id);
  return m;
}

// A CR that looks materialised from intent <ns>/<name> at `revision`.
inline Json HubManagedRouter(const std::string& ns, const std::string& name, int64_t revision,
                             const std::string& checksum) {
  Json r = RouterManifest(ns, name);
  r["metadata"]["labels"] = {{kManagedByLabel, kManagedByValue}};
  r["metadata"]["annotations"] = {{kIntentIdAnnotation, absl::StrCat(ns, "/", name)},
                                  {kRevisionAnnotation, absl::StrCat(revision)},
                                  {kChecksumAnnotation, checksum}};
  return r;
}

// Claims the test can change while the link runs.
class TestClaims {
 public:
  void Set(std::map<std::string, std::string> claims) {
    absl::MutexLock lock(&mu_);
    claims_ = std::move(claims);
  }
  std::map<std::string, std::string> Get() const {
    absl::MutexLock lock(&mu_);
    return claims_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> claims_ ABSL_GUARDED_BY(mu_) = {{"srfleet.io/platform", "kubernetes"}};
};

// Short intervals that keep the tests quick without changing behaviour.
inline HubLinkOptions FastLinkOptions(const std::string& address, const std::string& cluster = "c1") {
  HubLinkOptions o;
  o.hub_address = address;
  o.credentials = grpc::InsecureChannelCredentials();
  o.cluster_name = cluster;
  o.labels = {{"env", "test"}};
  o.agent_version = "test-1";
  o.backoff = kube::BackoffPolicy{absl::Milliseconds(50), absl::Milliseconds(400), 2.0, 0.5};
  o.status_flush_interval = absl::Milliseconds(50);
  o.status_min_interval_per_router = absl::Milliseconds(300);
  o.welcome_timeout = absl::Seconds(5);
  o.informer.backoff = kube::BackoffPolicy{absl::Milliseconds(20), absl::Milliseconds(300), 2.0, 0.5};
  return o;
}

}  // namespace srfleet::agent::hublink::testing
