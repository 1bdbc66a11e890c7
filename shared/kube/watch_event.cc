#include "shared/kube/watch_event.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace srfleet::kube {

std::string_view ToString(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "UNKNOWN";
}

std::string WatchEvent::ResourceVersion() const {
  if (!object.is_object()) return "";
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "";
  auto rv = md->find("resourceVersion");
  return rv != md->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}

absl::StatusOr<WatchEvent> ParseWatchEvent(std::string_view line) {
  Json parsed = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::DataLossError(absl::StrCat("watch: undecodable event: ", std::string(line.substr(0, 200))));
  }
  auto type = parsed.find("type");
  auto object = parsed.find("object");
  if (type == parsed.end() || !type->is_string() || object == parsed.end()) {
    return absl::DataLossError(absl::StrCat("watch: event without type or object: ", std::string(line.substr(0, 200))));
  }
  const std::string& t = type->get_ref<const std::string&>();
  WatchEvent event;
  if (t == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (t == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (t == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (t == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return absl::DataLossError(absl::StrCat("watch: unknown event type \"", t, "\""));
  }
  event.object = std::move(*object);
  return event;
}

absl::Status WatchLineDecoder::Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line) {
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) on_line(line);
  };
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_bytes_) {
        partial_.clear();
        return absl::ResourceExhaustedError(
            absl::StrCat("watch: event line longer than ", max_line_bytes_, " bytes"));
      }
      partial_.append(bytes);
      return absl::OkStatus();
    }
    if (partial_.empty()) {
      emit(bytes.substr(0, nl));  // the common case: no copy
    } else {
      partial_.append(bytes.substr(0, nl));
      emit(partial_);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
  return absl::OkStatus();
}

std::string WatchLineDecoder::TakeRemainder() { return std::exchange(partial_, std::string()); }

}  // namespace srfleet::kube
