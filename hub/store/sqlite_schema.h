// The hub database schema, versioned with PRAGMA user_version. Migrate()
// brings any older database (0 = empty) to kSchemaVersion in one
// transaction and refuses one written by a newer hub.
#pragma once

#include "absl/status/status.h"

struct sqlite3;

namespace srfleet::hub::sqlite {

inline constexpr int kSchemaVersion = 1;

absl::Status Migrate(sqlite3* db);

}  // namespace srfleet::hub::sqlite
