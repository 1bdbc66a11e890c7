// IntentStore: the hub's durable state. Intents (a SemanticRouter manifest +
// its placement) with a revision history, and registered clusters with their
// last persisted connection state. Liveness itself is never written here:
// only state transitions are (see hub/registry).
//
// Revisions come from one store-wide counter (like etcd's): every write of an
// intent gets the next value, so a revision is unique across intents and a
// re-created intent never reuses an old one. A write returns only after it is
// durable (an acknowledged apply survives kill -9).
//
// Implementations: SqliteIntentStore (embedded default). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace srfleet::hub {

struct IntentRecord {
  std::string id;              // "<namespace>/<name>"
  std::string ns;
  std::string name;
  int64_t revision = 0;        // assigned by the store
  std::string manifest_json;   // the SemanticRouter, as stored and pushed
  std::string checksum;        // sha256 hex of manifest_json
  std::string placement;       // serialised Placement (opaque to the store)
  absl::Time created;          // first revision of this incarnation
  absl::Time updated;          // this revision
  bool deleted = false;        // a tombstone (history only)
};

struct ClusterRecord {
  std::string name;
  std::map<std::string, std::string> labels;  // hub-side labels
  absl::Time registered;
  std::string state;           // last persisted state: Registered, Connected, Disconnected, Unknown
  absl::Time state_since;
  // The last Hello's facts, kept so placement works for clusters that are
  // away when the hub restarts.
  std::map<std::string, std::string> agent_labels;
  std::map<std::string, std::string> claims;
  std::string agent_version;
};

class IntentStore {
 public:
  virtual ~IntentStore() = default;

  // Writes a new revision of `record.id` (ns, name, manifest_json, checksum,
  // placement are taken from `record`; revision, created, updated are set by
  // the store and returned). expected_revision > 0: FailedPrecondition
  // unless the current revision is exactly that (0: unconditional;
  // -1: the intent must not exist yet).
  virtual absl::StatusOr<IntentRecord> PutIntent(const IntentRecord& record, int64_t expected_revision) = 0;
  // NotFound if absent or deleted.
  virtual absl::StatusOr<IntentRecord> GetIntent(const std::string& id) = 0;
  // Live intents, ordered by id.
  virtual absl::StatusOr<std::vector<IntentRecord>> ListIntents() = 0;
  // Writes a tombstone revision; returns it. NotFound if absent.
  virtual absl::StatusOr<int64_t> DeleteIntent(const std::string& id) = 0;
  // Every revision of `id`, oldest first, tombstones included (an intent
  // deleted and re-created shows both lives). NotFound if never written.
  virtual absl::StatusOr<std::vector<IntentRecord>> History(const std::string& id) = 0;
  // Keeps the newest `keep` revisions per intent (>= 1).
  virtual absl::Status CompactHistory(int keep) = 0;
  // The highest revision ever assigned (0 for an empty store).
  virtual absl::StatusOr<int64_t> CurrentRevision() = 0;

  // Insert or replace the whole record.
  virtual absl::Status PutCluster(const ClusterRecord& record) = 0;
  // Updates only state and state_since. NotFound if not registered.
  virtual absl::Status SetClusterState(const std::string& name, const std::string& state, absl::Time since) = 0;
  virtual absl::StatusOr<std::vector<ClusterRecord>> ListClusters() = 0;
  // NotFound if not registered.
  virtual absl::Status DeleteCluster(const std::string& name) = 0;
};

struct SqliteStoreOptions {
  std::string path;            // database file; its directory must exist
  // FULL: fsync on every commit (WAL). NORMAL survives a process crash but
  // not a power loss; tests and benches may use it.
  bool synchronous_full = true;
  int busy_timeout_ms = 5000;
};

// Opens (creating or migrating) the database. The file is locked against a
// second hub process: FailedPrecondition "database is in use by another hub".
absl::StatusOr<std::unique_ptr<IntentStore>> OpenSqliteIntentStore(const SqliteStoreOptions& options);

// sha256 hex, used for intent checksums.
std::string Sha256Hex(const std::string& bytes);

}  // namespace srfleet::hub
