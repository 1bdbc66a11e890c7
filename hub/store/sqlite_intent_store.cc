#include "hub/store/sqlite_intent_store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hub/store/sqlite_schema.h"
#include "hub/store/string_map_json.h"

namespace srfleet::hub {
namespace {

using sqlite::Query;

absl::Status Prefixed(const std::string& what, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", std::string(status.message())));
}

// Times are stored as Unix milliseconds; records handed back are truncated
// the same way, so what PutIntent returns equals what GetIntent reads.
int64_t ToMs(absl::Time t) { return absl::ToUnixMillis(t); }
absl::Time FromMs(int64_t ms) { return absl::FromUnixMillis(ms); }

constexpr char kRecordColumns[] =
    "r.id, r.revision, r.ns, r.name, r.manifest_json, r.checksum, r.placement, r.created_ms, r.updated_ms, "
    "r.deleted";

IntentRecord ReadRecord(const Query& q) {
  IntentRecord r;
  r.id = q.Text(0);
  r.revision = q.Int(1);
  r.ns = q.Text(2);
  r.name = q.Text(3);
  r.manifest_json = q.Text(4);
  r.checksum = q.Text(5);
  r.placement = q.Text(6);
  r.created = FromMs(q.Int(7));
  r.updated = FromMs(q.Int(8));
  r.deleted = q.Int(9) != 0;
  return r;
}

absl::StatusOr<std::vector<IntentRecord>> ReadRecords(Query& q) {
  std::vector<IntentRecord> out;
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(ReadRecord(q));
  }
}

absl::Status ValidateIntent(const IntentRecord& record, int64_t expected_revision) {
  if (record.ns.empty() || record.name.empty() || record.id != absl::StrCat(record.ns, "/", record.name)) {
    return absl::InvalidArgumentError(absl::StrCat("PutIntent: id \"", record.id, "\" must be \"<ns>/<name>\" (ns \"",
                                                   record.ns, "\", name \"", record.name, "\")"));
  }
  if (expected_revision < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PutIntent ", record.id, ": expected_revision ", expected_revision, " is invalid"));
  }
  return absl::OkStatus();
}

// The head of one intent as read inside a write transaction.
struct Head {
  bool exists = false;  // ever written (and not compacted away)
  bool live = false;    // exists and is not a tombstone
  int64_t revision = 0;
  std::string ns, name;
  int64_t created_ms = 0;
};

absl::StatusOr<Head> ReadHead(sqlite3* db, sqlite3_stmt* stmt, const std::string& id, const std::string& what) {
  Query q(db, stmt, absl::StrCat(what, ": reading head"));
  q.Bind(id);
  auto row = q.Step();
  if (!row.ok()) return row.status();
  Head head;
  if (!*row) return head;
  head.exists = true;
  head.revision = q.Int(0);
  head.live = q.Int(1) == 0;
  head.created_ms = q.Int(2);
  head.ns = q.Text(3);
  head.name = q.Text(4);
  return head;
}

absl::Status CheckExpected(const std::string& id, const Head& head, int64_t expected_revision) {
  if (expected_revision == -1 && head.live) {
    return absl::FailedPreconditionError(absl::StrCat("intent ", id, " already exists at revision ", head.revision));
  }
  if (expected_revision > 0 && !head.live) {
    return absl::FailedPreconditionError(
        absl::StrCat("intent ", id, " does not exist, not at revision ", expected_revision));
  }
  if (expected_revision > 0 && head.revision != expected_revision) {
    return absl::FailedPreconditionError(
        absl::StrCat("intent ", id, " is at revision ", head.revision, ", not ", expected_revision));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IntentStore>> OpenSqliteIntentStore(const SqliteStoreOptions& options) {
  auto store = SqliteIntentStore::Open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<IntentStore>(std::move(*store));
}

absl::StatusOr<std::unique_ptr<SqliteIntentStore>> SqliteIntentStore::Open(const SqliteStoreOptions& options) {
  const std::string& path = options.path;
  if (path.empty()) return absl::InvalidArgumentError("opening the intent store: no database path");

  // Lock before touching the database: a second hub must not even run
  // migrations or change pragmas under the first one.
  const std::string lock_path = absl::StrCat(path, ".lock");
  auto lock = FileLock::TryAcquire(lock_path);
  if (absl::IsFailedPrecondition(lock.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, " is in use by another hub (lock ", lock_path, ")"));
  }
  if (!lock.ok()) return lock.status();

  auto db = sqlite::Open(path);
  if (!db.ok()) return db.status();
  sqlite3* raw = db->get();
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);

  // journal_mode answers with the mode in effect; it stays "delete" where WAL
  // is impossible (e.g. no shared memory), which would lose concurrency and
  // change the durability story, so refuse rather than run degraded.
  auto mode = sqlite::QueryText(raw, "PRAGMA journal_mode = WAL", absl::StrCat("opening ", path, ": journal_mode"));
  if (!mode.ok()) return mode.status();
  if (absl::AsciiStrToLower(*mode) != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("opening ", path, ": WAL journal mode unavailable (journal_mode is ", *mode, ")"));
  }
  absl::Status status =
      sqlite::Exec(raw, options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                   absl::StrCat("opening ", path, ": synchronous"));
  if (!status.ok()) return status;
  status = sqlite::Exec(raw, "PRAGMA foreign_keys = ON", absl::StrCat("opening ", path, ": foreign_keys"));
  if (!status.ok()) return status;

  status = sqlite::Migrate(raw);
  if (!status.ok()) return Prefixed(absl::StrCat("opening ", path), status);

  auto stmts = PrepareStatements(raw);
  if (!stmts.ok()) return Prefixed(absl::StrCat("opening ", path), stmts.status());
  return std::make_unique<SqliteIntentStore>(Key{}, std::move(*lock), std::move(*db), std::move(*stmts));
}

absl::StatusOr<SqliteIntentStore::Statements> SqliteIntentStore::PrepareStatements(sqlite3* db) {
  Statements s;
  const std::string live_join =
      absl::StrCat("SELECT ", kRecordColumns,
                   " FROM intents h JOIN intent_revisions r ON r.id = h.id AND r.revision = h.revision"
                   " WHERE h.deleted = 0");
  const std::pair<sqlite::StmtPtr*, std::string> sql[] = {
      {&s.begin, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.head,
       "SELECT h.revision, h.deleted, r.created_ms, r.ns, r.name FROM intents h"
       " JOIN intent_revisions r ON r.id = h.id AND r.revision = h.revision WHERE h.id = ?1"},
      {&s.get_live, absl::StrCat(live_join, " AND h.id = ?1")},
      {&s.list_live, absl::StrCat(live_join, " ORDER BY h.id")},
      {&s.history,
       absl::StrCat("SELECT ", kRecordColumns, " FROM intent_revisions r WHERE r.id = ?1 ORDER BY r.revision")},
      {&s.insert_revision,
       "INSERT INTO intent_revisions (id, revision, ns, name, manifest_json, checksum, placement, created_ms,"
       " updated_ms, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&s.upsert_head,
       "INSERT INTO intents (id, revision, deleted) VALUES (?1, ?2, ?3)"
       " ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted"},
      {&s.get_counter, "SELECT value FROM meta WHERE key = 'revision'"},
      {&s.set_counter, "UPDATE meta SET value = ?1 WHERE key = 'revision'"},
      // Heads are always the newest revision of their id, so rank 1 is never
      // deleted; the NOT EXISTS (and the foreign key) make that explicit.
      {&s.compact,
       "DELETE FROM intent_revisions WHERE (id, revision) IN ("
       "  SELECT id, revision FROM ("
       "    SELECT id, revision, ROW_NUMBER() OVER (PARTITION BY id ORDER BY revision DESC) AS newer"
       "    FROM intent_revisions)"
       "  WHERE newer > ?1)"
       " AND NOT EXISTS (SELECT 1 FROM intents h"
       "   WHERE h.id = intent_revisions.id AND h.revision = intent_revisions.revision)"},
      {&s.put_cluster,
       "INSERT OR REPLACE INTO clusters (name, labels, registered_ms, state, state_since_ms, agent_labels, claims,"
       " agent_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&s.set_cluster_state, "UPDATE clusters SET state = ?2, state_since_ms = ?3 WHERE name = ?1"},
      {&s.list_clusters,
       "SELECT name, labels, registered_ms, state, state_since_ms, agent_labels, claims, agent_version"
       " FROM clusters ORDER BY name"},
      {&s.delete_cluster, "DELETE FROM clusters WHERE name = ?1"},
  };
  for (const auto& [slot, text] : sql) {
    auto stmt = sqlite::Prepare(db, text);
    if (!stmt.ok()) return stmt.status();
    *slot = std::move(*stmt);
  }
  return s;
}

SqliteIntentStore::SqliteIntentStore(Key, FileLock lock, sqlite::DbPtr db, Statements stmts)
    : lock_(std::move(lock)), db_(std::move(db)), stmts_(std::move(stmts)) {}

absl::StatusOr<sqlite::Transaction> SqliteIntentStore::BeginLocked(const std::string& what) {
  return sqlite::Transaction::Begin(db_.get(), {stmts_.begin.get(), stmts_.commit.get(), stmts_.rollback.get()}, what);
}

absl::StatusOr<int64_t> SqliteIntentStore::NextRevisionLocked(const std::string& what) {
  int64_t current = 0;
  {
    Query q(db_.get(), stmts_.get_counter.get(), absl::StrCat(what, ": reading revision counter"));
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::DataLossError(absl::StrCat(what, ": revision counter missing from meta"));
    current = q.Int(0);
  }
  Query q(db_.get(), stmts_.set_counter.get(), absl::StrCat(what, ": advancing revision counter"));
  absl::Status status = q.Bind(current + 1).Run();
  if (!status.ok()) return status;
  return current + 1;
}

absl::Status SqliteIntentStore::WriteRevisionLocked(const IntentRecord& r, const std::string& what) {
  {
    Query q(db_.get(), stmts_.insert_revision.get(), absl::StrCat(what, ": writing revision"));
    q.Bind(r.id).Bind(r.revision).Bind(r.ns).Bind(r.name).Bind(r.manifest_json).Bind(r.checksum).Bind(r.placement);
    q.Bind(ToMs(r.created)).Bind(ToMs(r.updated)).Bind(int64_t{r.deleted ? 1 : 0});
    absl::Status status = q.Run();
    if (!status.ok()) return status;
  }
  Query q(db_.get(), stmts_.upsert_head.get(), absl::StrCat(what, ": moving head"));
  return q.Bind(r.id).Bind(r.revision).Bind(int64_t{r.deleted ? 1 : 0}).Run();
}

absl::StatusOr<IntentRecord> SqliteIntentStore::PutIntent(const IntentRecord& record, int64_t expected_revision) {
  absl::Status valid = ValidateIntent(record, expected_revision);
  if (!valid.ok()) return valid;
  const std::string what = absl::StrCat("PutIntent ", record.id);
  // Hash outside the lock; it is the only CPU-heavy part of a write.
  IntentRecord out = record;
  if (out.checksum.empty()) out.checksum = Sha256Hex(out.manifest_json);
  out.deleted = false;

  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  auto head = ReadHead(db_.get(), stmts_.head.get(), record.id, what);
  if (!head.ok()) return head.status();
  absl::Status status = CheckExpected(record.id, *head, expected_revision);
  if (!status.ok()) return status;
  auto revision = NextRevisionLocked(what);
  if (!revision.ok()) return revision.status();

  const int64_t now_ms = ToMs(absl::Now());
  out.revision = *revision;
  out.updated = FromMs(now_ms);
  // A new incarnation (first write, or after a tombstone) starts now.
  out.created = head->live ? FromMs(head->created_ms) : out.updated;
  status = WriteRevisionLocked(out, what);
  if (!status.ok()) return status;
  status = tx->Commit();
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<IntentRecord> SqliteIntentStore::GetIntent(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Query q(db_.get(), stmts_.get_live.get(), absl::StrCat("GetIntent ", id));
  auto row = q.Bind(id).Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("intent ", id, " not found"));
  return ReadRecord(q);
}

absl::StatusOr<std::vector<IntentRecord>> SqliteIntentStore::ListIntents() {
  absl::MutexLock lock(&mu_);
  Query q(db_.get(), stmts_.list_live.get(), "ListIntents");
  return ReadRecords(q);
}

absl::StatusOr<int64_t> SqliteIntentStore::DeleteIntent(const std::string& id) {
  const std::string what = absl::StrCat("DeleteIntent ", id);
  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  auto head = ReadHead(db_.get(), stmts_.head.get(), id, what);
  if (!head.ok()) return head.status();
  if (!head->live) return absl::NotFoundError(absl::StrCat("intent ", id, " not found"));
  auto revision = NextRevisionLocked(what);
  if (!revision.ok()) return revision.status();

  // A tombstone closes the incarnation: it keeps its created time and
  // carries no manifest.
  IntentRecord tombstone;
  tombstone.id = id;
  tombstone.ns = head->ns;
  tombstone.name = head->name;
  tombstone.revision = *revision;
  tombstone.created = FromMs(head->created_ms);
  tombstone.updated = absl::Now();
  tombstone.deleted = true;
  absl::Status status = WriteRevisionLocked(tombstone, what);
  if (!status.ok()) return status;
  status = tx->Commit();
  if (!status.ok()) return status;
  return *revision;
}

absl::StatusOr<std::vector<IntentRecord>> SqliteIntentStore::History(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Query q(db_.get(), stmts_.history.get(), absl::StrCat("History ", id));
  q.Bind(id);
  auto records = ReadRecords(q);
  if (!records.ok()) return records.status();
  if (records->empty()) return absl::NotFoundError(absl::StrCat("intent ", id, " has no history"));
  return records;
}

absl::Status SqliteIntentStore::CompactHistory(int keep) {
  if (keep < 1) return absl::InvalidArgumentError(absl::StrCat("CompactHistory: keep must be >= 1, got ", keep));
  const std::string what = absl::StrCat("CompactHistory keep=", keep);
  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  absl::Status status = Query(db_.get(), stmts_.compact.get(), what).Bind(int64_t{keep}).Run();
  if (!status.ok()) return status;
  return tx->Commit();
}

absl::StatusOr<int64_t> SqliteIntentStore::CurrentRevision() {
  absl::MutexLock lock(&mu_);
  Query q(db_.get(), stmts_.get_counter.get(), "CurrentRevision");
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::DataLossError("CurrentRevision: revision counter missing from meta");
  return q.Int(0);
}

absl::Status SqliteIntentStore::PutCluster(const ClusterRecord& record) {
  if (record.name.empty()) return absl::InvalidArgumentError("PutCluster: empty cluster name");
  const std::string what = absl::StrCat("PutCluster ", record.name);
  auto labels = EncodeStringMap(record.labels);
  auto agent_labels = EncodeStringMap(record.agent_labels);
  auto claims = EncodeStringMap(record.claims);
  for (const auto* encoded : {&labels, &agent_labels, &claims}) {
    if (!encoded->ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", encoded->status().message()));
  }

  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  {
    Query q(db_.get(), stmts_.put_cluster.get(), what);
    q.Bind(record.name).Bind(*labels).Bind(ToMs(record.registered)).Bind(record.state).Bind(ToMs(record.state_since));
    q.Bind(*agent_labels).Bind(*claims).Bind(record.agent_version);
    absl::Status status = q.Run();
    if (!status.ok()) return status;
  }
  return tx->Commit();
}

absl::Status SqliteIntentStore::SetClusterState(const std::string& name, const std::string& state, absl::Time since) {
  const std::string what = absl::StrCat("SetClusterState ", name);
  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  {
    Query q(db_.get(), stmts_.set_cluster_state.get(), what);
    absl::Status status = q.Bind(name).Bind(state).Bind(ToMs(since)).Run();
    if (!status.ok()) return status;
    if (q.Changes() == 0) return absl::NotFoundError(absl::StrCat("cluster ", name, " is not registered"));
  }
  return tx->Commit();
}

absl::StatusOr<std::vector<ClusterRecord>> SqliteIntentStore::ListClusters() {
  absl::MutexLock lock(&mu_);
  Query q(db_.get(), stmts_.list_clusters.get(), "ListClusters");
  std::vector<ClusterRecord> out;
  while (true) {
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    ClusterRecord c;
    c.name = q.Text(0);
    auto labels = DecodeStringMap(q.Text(1));
    auto agent_labels = DecodeStringMap(q.Text(5));
    auto claims = DecodeStringMap(q.Text(6));
    for (const auto* decoded : {&labels, &agent_labels, &claims}) {
      if (!decoded->ok()) {
        return absl::DataLossError(absl::StrCat("ListClusters: cluster ", c.name, ": ", decoded->status().message()));
      }
    }
    c.labels = std::move(*labels);
    c.registered = FromMs(q.Int(2));
    c.state = q.Text(3);
    c.state_since = FromMs(q.Int(4));
    c.agent_labels = std::move(*agent_labels);
    c.claims = std::move(*claims);
    c.agent_version = q.Text(7);
    out.push_back(std::move(c));
  }
}

absl::Status SqliteIntentStore::DeleteCluster(const std::string& name) {
  const std::string what = absl::StrCat("DeleteCluster ", name);
  absl::MutexLock lock(&mu_);
  auto tx = BeginLocked(what);
  if (!tx.ok()) return tx.status();
  {
    Query q(db_.get(), stmts_.delete_cluster.get(), what);
    absl::Status status = q.Bind(name).Run();
    if (!status.ok()) return status;
    if (q.Changes() == 0) return absl::NotFoundError(absl::StrCat("cluster ", name, " is not registered"));
  }
  return tx->Commit();
}

}  // namespace srfleet::hub
