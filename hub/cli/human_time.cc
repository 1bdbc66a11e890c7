#include "hub/cli/human_time.h"

#include "shared/text/human_duration.h"

#include "absl/strings/str_cat.h"

namespace srfleet::cli {

std::string HumanDuration(absl::Duration d) {
  // Integer truncation toward zero, like Go's int(d.Seconds()).
  return text::HumanDuration(absl::ToInt64Seconds(d));
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
