// SqliteIntentStore: the embedded IntentStore. One SQLite connection (WAL,
// synchronous FULL by default) behind a mutex, with its statements prepared
// once. A flock on "<db>.lock" keeps a second hub off the same file.
//
// Layout (see sqlite_schema.cc): intent_revisions holds every revision,
// intents points at each intent's newest one (so Get/List never scan the
// history), meta holds the store-wide revision counter, clusters one row per
// registered cluster.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hub/store/file_lock.h"
#include "hub/store/intent_store.h"
#include "hub/store/sqlite_db.h"

namespace srfleet::hub {

class SqliteIntentStore : public IntentStore {
  struct Key {  // only Open() constructs a store
    explicit Key() = default;
  };
  struct Statements;

 public:
  static absl::StatusOr<std::unique_ptr<SqliteIntentStore>> Open(const SqliteStoreOptions& options);
  SqliteIntentStore(Key, FileLock lock, sqlite::DbPtr db, Statements stmts);
  ~SqliteIntentStore() override = default;

  absl::StatusOr<IntentRecord> PutIntent(const IntentRecord& record, int64_t expected_revision) override;
  absl::StatusOr<IntentRecord> GetIntent(const std::string& id) override;
  absl::StatusOr<std::vector<IntentRecord>> ListIntents() override;
  absl::StatusOr<int64_t> DeleteIntent(const std::string& id) override;
  absl::StatusOr<std::vector<IntentRecord>> History(const std::string& id) override;
  absl::Status CompactHistory(int keep) override;
  absl::StatusOr<int64_t> CurrentRevision() override;

  absl::Status PutCluster(const ClusterRecord& record) override;
  absl::Status SetClusterState(const std::string& name, const std::string& state, absl::Time since) override;
  absl::StatusOr<std::vector<ClusterRecord>> ListClusters() override;
  absl::Status DeleteCluster(const std::string& name) override;

 private:
  struct Statements {
    sqlite::StmtPtr begin, commit, rollback;
    sqlite::StmtPtr head;       // id -> head revision, deleted, created_ms
    sqlite::StmtPtr get_live;   // id -> live head record
    sqlite::StmtPtr list_live;  // all live head records by id
    sqlite::StmtPtr history;    // id -> every revision, oldest first
    sqlite::StmtPtr insert_revision;
    sqlite::StmtPtr upsert_head;
    sqlite::StmtPtr get_counter, set_counter;
    sqlite::StmtPtr compact;
    sqlite::StmtPtr put_cluster, set_cluster_state, list_clusters, delete_cluster;
  };
  static absl::StatusOr<Statements> PrepareStatements(sqlite3* db);

  absl::StatusOr<sqlite::Transaction> BeginLocked(const std::string& what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reserves the next store-wide revision inside the caller's transaction.
  absl::StatusOr<int64_t> NextRevisionLocked(const std::string& what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteRevisionLocked(const IntentRecord& record, const std::string& what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Destruction order matters: statements, then the connection (which
  // checkpoints the WAL), and only then the lock.
  FileLock lock_;
  sqlite::DbPtr db_;
  absl::Mutex mu_;
  Statements stmts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::hub
