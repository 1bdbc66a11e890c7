#include "hub/store/sqlite_schema.h"

#include <sqlite3.h>

#include <iterator>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hub/store/sqlite_db.h"

namespace srfleet::hub::sqlite {
namespace {

// migrations[i] takes the schema from version i to i + 1. Append only; never
// edit a step that has shipped.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
        -- Store-wide counters. 'revision' is the last revision handed out; it
        -- lives apart from the history so compaction never lowers it.
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('revision', 0);

        -- Every revision of every intent, tombstones (deleted = 1) included.
        -- A rowid table on purpose: rows carry KB-sized manifests, which
        -- WITHOUT ROWID would push into overflow pages (Get/List measured
        -- about 2x slower).
        CREATE TABLE intent_revisions (
          id            TEXT    NOT NULL,
          revision      INTEGER NOT NULL,
          ns            TEXT    NOT NULL,
          name          TEXT    NOT NULL,
          manifest_json TEXT    NOT NULL,
          checksum      TEXT    NOT NULL,
          placement     TEXT    NOT NULL,
          created_ms    INTEGER NOT NULL,
          updated_ms    INTEGER NOT NULL,
          deleted       INTEGER NOT NULL,
          PRIMARY KEY (id, revision)
        );

        -- The newest revision of each intent ever written (a tombstone once
        -- deleted), kept in the same transaction as the history row. The
        -- foreign key makes deleting a head from the history impossible.
        CREATE TABLE intents (
          id       TEXT PRIMARY KEY,
          revision INTEGER NOT NULL,
          deleted  INTEGER NOT NULL,
          FOREIGN KEY (id, revision) REFERENCES intent_revisions (id, revision)
        ) WITHOUT ROWID;

        CREATE TABLE clusters (
          name           TEXT PRIMARY KEY,
          labels         TEXT    NOT NULL,  -- JSON object of strings
          registered_ms  INTEGER NOT NULL,
          state          TEXT    NOT NULL,
          state_since_ms INTEGER NOT NULL,
          agent_labels   TEXT    NOT NULL,  -- JSON object of strings
          claims         TEXT    NOT NULL,  -- JSON object of strings
          agent_version  TEXT    NOT NULL
        );
      )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

absl::Status Migrate(sqlite3* db) {
  // Read the version inside the write transaction, so the check and the
  // upgrade see the same database.
  absl::Status status = Exec(db, "BEGIN IMMEDIATE", "migrating schema: BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  auto fail = [db](absl::Status s) {
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  };
  auto text = QueryText(db, "PRAGMA user_version", "migrating schema: reading user_version");
  if (!text.ok()) return fail(text.status());
  int version = 0;
  if (!absl::SimpleAtoi(*text, &version) || version < 0) {
    return fail(absl::DataLossError(absl::StrCat("database has an invalid schema version ", *text)));
  }
  if (version > kSchemaVersion) {
    return fail(absl::FailedPreconditionError(absl::StrCat("database schema version ", version,
                                                           " is newer than this hub supports (", kSchemaVersion,
                                                           "); upgrade the hub")));
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    status = Exec(db, kMigrations[v], absl::StrCat("migrating schema from version ", v, " to ", v + 1));
    if (!status.ok()) return fail(status);
  }
  if (version != kSchemaVersion) {
    status = Exec(db, absl::StrCat("PRAGMA user_version = ", kSchemaVersion), "migrating schema: setting user_version");
    if (!status.ok()) return fail(status);
  }
  status = Exec(db, "COMMIT", "migrating schema: COMMIT");
  if (!status.ok()) return fail(status);
  return absl::OkStatus();
}

}  // namespace srfleet::hub::sqlite
