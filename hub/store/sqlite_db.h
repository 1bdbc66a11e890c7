// Thin RAII layer over the SQLite C API: owned connections and statements,
// a scoped bind/step cursor that always resets its statement, and a
// BEGIN IMMEDIATE transaction that rolls back unless committed. Every failure
// is an absl::Status naming the operation and SQLite's own message.
// sqlite3.h stays in the .cc files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace srfleet::hub::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const;
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const;
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// "<what>: <sqlite message> (sqlite code N)", with a code that lets callers
// tell contention (Unavailable) and corruption (DataLoss) from the rest.
absl::Status Error(sqlite3* db, int rc, const std::string& what);

absl::StatusOr<DbPtr> Open(const std::string& path);
absl::StatusOr<StmtPtr> Prepare(sqlite3* db, const std::string& sql);
// Runs one or more statements that return no rows we need.
absl::Status Exec(sqlite3* db, const std::string& sql, const std::string& what);
// The first column of the first row of `sql` as text ("" if no row).
absl::StatusOr<std::string> QueryText(sqlite3* db, const std::string& sql, const std::string& what);

// One execution of a cached statement. Binds positionally (1, 2, ...). The
// destructor resets the statement and clears its bindings: a read left
// un-reset would pin its WAL snapshot and block checkpoints.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt, std::string what);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int64_t value);
  Query& Bind(const std::string& value);  // copied (SQLITE_TRANSIENT)

  // true: a row is available; false: done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows; for writes.
  absl::Status Run();
  // Rows changed by the last Run() (sqlite3_changes).
  int64_t Changes() const;

  int64_t Int(int column) const;
  std::string Text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int next_index_ = 1;
  absl::Status bind_status_;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
// fails half-way with SQLITE_BUSY on lock upgrade. Rolls back on
// destruction unless Commit() succeeded.
class Transaction {
 public:
  struct Statements {
    sqlite3_stmt* begin;
    sqlite3_stmt* commit;
    sqlite3_stmt* rollback;
  };
  static absl::StatusOr<Transaction> Begin(sqlite3* db, const Statements& stmts, const std::string& what);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // Returns once the commit is durable (per PRAGMA synchronous).
  absl::Status Commit();

 private:
  Transaction(sqlite3* db, const Statements& stmts, std::string what);
  sqlite3* db_;
  Statements stmts_;
  std::string what_;
  bool open_ = false;
};

}  // namespace srfleet::hub::sqlite
