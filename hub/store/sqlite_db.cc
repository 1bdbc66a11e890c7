#include "hub/store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace srfleet::hub::sqlite {

void DbCloser::operator()(sqlite3* db) const {
  // close_v2: never leaves a zombie if a statement were still alive; the
  // last connection to close also checkpoints and removes the WAL file.
  sqlite3_close_v2(db);
}

void StmtFinalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

absl::Status Error(sqlite3* db, int rc, const std::string& what) {
  // sqlite3_errmsg describes the last failure on this connection (it names
  // the constraint, the I/O call, ...); fall back to the generic text.
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = absl::StrCat(what, ": ", message, " (sqlite code ", rc, ")");
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(text);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(text);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(text);
    default:
      return absl::InternalError(text);
  }
}

absl::StatusOr<DbPtr> Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serialises all use of the connection itself.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) return Error(db.get(), rc, absl::StrCat("opening database ", path));
  return db;
}

absl::StatusOr<StmtPtr> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  // PREPARE_PERSISTENT: these statements are cached for the store's life.
  int rc =
      sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()) + 1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return Error(db, rc, absl::StrCat("preparing `", sql, "`"));
  return stmt;
}

absl::Status Exec(sqlite3* db, const std::string& sql, const std::string& what) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(db, rc, what);
  return absl::OkStatus();
}

absl::StatusOr<std::string> QueryText(sqlite3* db, const std::string& sql, const std::string& what) {
  auto stmt = Prepare(db, sql);
  if (!stmt.ok()) return absl::Status(stmt.status().code(), absl::StrCat(what, ": ", stmt.status().message()));
  Query query(db, stmt->get(), what);
  auto row = query.Step();
  if (!row.ok()) return row.status();
  return *row ? query.Text(0) : std::string();
}

Query::Query(sqlite3* db, sqlite3_stmt* stmt, std::string what) : db_(db), stmt_(stmt), what_(std::move(what)) {}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::Bind(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = Error(db_, rc, absl::StrCat(what_, ": binding"));
  return *this;
}

Query& Query::Bind(const std::string& value) {
  int rc = sqlite3_bind_text64(stmt_, next_index_++, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = Error(db_, rc, absl::StrCat(what_, ": binding"));
  return *this;
}

absl::StatusOr<bool> Query::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(db_, rc, what_);
}

absl::Status Query::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t Query::Changes() const { return sqlite3_changes64(db_); }

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::Text(int column) const {
  // Text before bytes: the documented order that avoids a type conversion
  // invalidating the pointer.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

Transaction::Transaction(sqlite3* db, const Statements& stmts, std::string what)
    : db_(db), stmts_(stmts), what_(std::move(what)) {}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), stmts_(other.stmts_), what_(std::move(other.what_)), open_(std::exchange(other.open_, false)) {}

absl::StatusOr<Transaction> Transaction::Begin(sqlite3* db, const Statements& stmts, const std::string& what) {
  Transaction tx(db, stmts, what);
  absl::Status status = Query(db, stmts.begin, absl::StrCat(what, ": BEGIN IMMEDIATE")).Run();
  if (!status.ok()) return status;
  tx.open_ = true;
  return tx;
}

absl::Status Transaction::Commit() {
  absl::Status status = Query(db_, stmts_.commit, absl::StrCat(what_, ": COMMIT")).Run();
  // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY); the
  // destructor then rolls it back.
  if (status.ok()) open_ = false;
  return status;
}

Transaction::~Transaction() {
  // After some errors SQLite has already rolled back by itself.
  if (!open_ || sqlite3_get_autocommit(db_) != 0) return;
  Query(db_, stmts_.rollback, "ROLLBACK").Run().IgnoreError();
}

}  // namespace srfleet::hub::sqlite
