// Watch events and the decoder for a watch response body: newline-delimited
// JSON events whose lines are split arbitrarily across reads/chunks.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view ToString(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  Json object;
  // object.metadata.resourceVersion, or "".
  std::string ResourceVersion() const;
};

// Parses one line {"type":"ADDED","object":{...}}.
absl::StatusOr<WatchEvent> ParseWatchEvent(std::string_view line);

// Reassembles lines from a byte stream. Lines are handed out without their
// '\n' (and a trailing '\r'); empty lines are skipped.
class WatchLineDecoder {
 public:
  // A line longer than this is an error (a runaway stream, not an event).
  explicit WatchLineDecoder(size_t max_line_bytes = 64 * 1024 * 1024) : max_line_bytes_(max_line_bytes) {}

  // Feeds bytes, calling `on_line` for every line they complete. Fails when
  // a line exceeds the limit (the buffered partial line is then dropped).
  absl::Status Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line);
  // Bytes of an unterminated line kept for the next Feed().
  size_t buffered() const { return partial_.size(); }
  // What is left when the stream ended (a final line without '\n').
  std::string TakeRemainder();

 private:
  size_t max_line_bytes_;
  std::string partial_;
};

}  // namespace srfleet::kube
