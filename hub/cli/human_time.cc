#include "hub/cli/human_time.h"

#include "absl/strings/str_cat.h"

namespace srfleet::cli {

std::string HumanDuration(absl::Duration d) {
  // Integer truncation toward zero, like Go's int(d.Seconds()).
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? absl::StrCat(minutes, "m") : absl::StrCat(minutes, "m", s, "s");
  }
  if (minutes < 60 * 3) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? absl::StrCat(hours, "h") : absl::StrCat(hours, "h", m, "m");
  }
  if (hours < 48) return absl::StrCat(hours, "h");
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? absl::StrCat(hours / 24, "d") : absl::StrCat(hours / 24, "d", h, "h");
  }
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24, "d");
  if (hours < 24 * 365 * 8) {
    const int64_t days = (hours / 24) % 365;
    return days == 0 ? absl::StrCat(hours / 24 / 365, "y") : absl::StrCat(hours / 24 / 365, "y", days, "d");
  }
  return absl::StrCat(hours / 24 / 365, "y");
}

std::string Age(absl::Time now, int64_t unix_ms) {
  if (unix_ms <= 0) return "<unknown>";
  return HumanDuration(now - absl::FromUnixMillis(unix_ms));
}

std::string Timestamp(int64_t unix_ms) {
  if (unix_ms <= 0) return "<unknown>";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

std::string TimestampWithAge(absl::Time now, int64_t unix_ms) {
  if (unix_ms <= 0) return "<unknown>";
  return absl::StrCat(Timestamp(unix_ms), " (", Age(now, unix_ms), " ago)");
}

}  // namespace srfleet::cli
