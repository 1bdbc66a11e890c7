// Hub intents -> SemanticRouter CRs in this cluster. Every push gets exactly
// one answer (Ack or Nack carrying its nonce, intent id and revision), and a
// push that changes nothing costs no API write, so a reconnect storm never
// turns into a write storm.
//
// Upsert: the manifest, with metadata.namespace/name from the push, the
// managed-by label and the intent annotations (fleet_metadata.h), applied
// server-side ("srfleet-hub-link", force). Refused (Nack) when a local router
// of that name exists (the hub never takes over what it did not create), when
// the namespace is outside the agent's watch, or when the API refuses it.
// Delete: only a CR that is hub-managed with that intent id; absent = done.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fleet/v1/agent_link.pb.h"
#include "shared/json/json.h"
#include "shared/kube/kube_client.h"

namespace srfleet::agent::hublink {

struct MaterializerOptions {
  std::string cluster_name;     // named in Nack messages
  std::string watch_namespace;  // "" : all; otherwise intents elsewhere are refused
};

// The reply to one push, and whether the API was written to.
struct PushOutcome {
  fleet::v1::AgentMessage reply;  // ack or nack
  bool wrote = false;
};

// SemanticRouters of vllm.ai/v1alpha1 (the collection; ns/name empty).
kube::ResourceRef SemanticRoutersRef();

// The object to apply for `upsert`, or InvalidArgument (not JSON, not an
// object, another kind). Server-owned metadata and status are dropped.
absl::StatusOr<Json> DesiredRouter(const fleet::v1::IntentUpsert& upsert);

class IntentMaterializer {
 public:
  IntentMaterializer(kube::KubeClient& client, MaterializerOptions options);

  PushOutcome Upsert(const fleet::v1::IntentUpsert& upsert);
  PushOutcome Delete(const fleet::v1::IntentDelete& del);

  // Hello.known: every hub-managed SemanticRouter in the watched namespace(s),
  // listed from the API (not a cache, so an intent applied just before a
  // disconnect is never forgotten). Empty when the CRD is not served.
  absl::StatusOr<std::vector<fleet::v1::KnownIntent>> ListKnown();

 private:
  std::string ApiErrorMessage(const absl::Status& status) const;

  kube::KubeClient& client_;
  MaterializerOptions options_;
};

}  // namespace srfleet::agent::hublink
