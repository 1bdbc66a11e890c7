// IntentDistributor's state, shared by its two source files:
// intent_distributor.cc (sync, pushes, liveness) and distributor_views.cc
// (what the Fleet API reads). Internal to hub/server.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fleet/v1/agent_link.pb.h"
#include "hub/server/intent_distributor.h"
#include "hub/server/prepared_push.h"

namespace srfleet::hub {

inline int64_t UnixMs(absl::Time t) { return t == absl::InfinitePast() ? 0 : absl::ToUnixMillis(t); }

inline std::string RouterKey(const std::string& ns, const std::string& name) { return absl::StrCat(ns, "/", name); }

struct IntentDistributor::IntentEntry {
  IntentRecord record;
  fleet::v1::Placement placement;
  PushPtr upsert;  // serialised once per revision, shared by every stream
};

struct IntentDistributor::Delivery {
  int64_t pushed_revision = 0;  // last upsert queued (0: none) ...
  bool pushed_delete = false;   // ... or a delete
  std::string pushed_nonce;
  std::string pushed_checksum;
  absl::Time pushed_at = absl::InfinitePast();
  int64_t acked_revision = 0;   // what the cluster holds (0: nothing)
  std::string acked_checksum;
  int64_t nack_revision = 0;
  std::string nack_error;
  int nack_attempts = 0;
  absl::Time nack_at = absl::InfinitePast();
};

struct IntentDistributor::ClusterEntry {
  ClusterRecord record;         // persisted fields; record.state = last persisted state
  std::map<std::string, std::string> effective;
  std::string state;            // live state
  absl::Time state_since;
  absl::Time last_seen = absl::InfinitePast();
  std::shared_ptr<AgentChannel> channel;  // null when no stream
  uint64_t session = 0;
  std::string peer;
  absl::flat_hash_map<std::string, Delivery> deliveries;           // intent id ->
  std::map<std::string, fleet::v1::RouterStatus> routers;          // "ns/name" -> status index
};

}  // namespace srfleet::hub
