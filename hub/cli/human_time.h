// Times as kubectl prints them: ages (HumanDuration) and timestamps.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace srfleet::cli {

// k8s.io/apimachinery/pkg/util/duration.HumanDuration: ~2-3 significant
// figures, e.g. 45s, 5m12s, 15m, 3h, 7h5m, 30h, 2d4h, 10d, 2y40d, 9y.
// Up to 1s in the future is "0s" (clock skew); more is "<invalid>".
std::string HumanDuration(absl::Duration d);

// The age of a unix-millisecond timestamp at `now`; "<unknown>" when unset (0).
std::string Age(absl::Time now, int64_t unix_ms);

// RFC 3339 in UTC, e.g. 2024-05-01T10:00:00Z; "<unknown>" when unset (0).
std::string Timestamp(int64_t unix_ms);

// "2024-05-01T10:00:00Z (3h ago)", for describe.
std::string TimestampWithAge(absl::Time now, int64_t unix_ms);

}  // namespace srfleet::cli
