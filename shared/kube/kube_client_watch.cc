// KubeClient::Watch: one watch request, its body decoded line by line into
// events as bytes arrive.
#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/kube/kube_client_impl.h"
#include "shared/kube/url.h"

namespace srfleet::kube {
namespace {

// Without a server-side timeout a watch may legitimately be quiet for long;
// past this much silence we assume a dead peer and let the caller resume.
constexpr absl::Duration kDefaultWatchIdle = absl::Minutes(5);

}  // namespace

absl::Status KubeClient::Watch(const ResourceRef& ref, const WatchOptions& options,
                               const std::function<void(const WatchEvent&)>& on_event,
                               const CancelToken& cancel) {
  if (absl::Status s = ref.Validate(false); !s.ok()) return s;
  std::string field_selector = options.field_selector;
  if (!ref.name.empty()) {
    const std::string by_name = absl::StrCat("metadata.name=", ref.name);
    field_selector = field_selector.empty() ? by_name : absl::StrCat(field_selector, ",", by_name);
  }
  Query query;
  query.Add("watch", "1");
  query.AddIfSet("resourceVersion", options.resource_version);
  if (options.allow_bookmarks) query.Add("allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) query.Add("timeoutSeconds", absl::StrCat(options.timeout_seconds));
  query.AddIfSet("labelSelector", options.label_selector);
  query.AddIfSet("fieldSelector", field_selector);
  const std::string target = ref.WithName("").WithSubresource("").CollectionPath() + query.Encode();
  const std::string context = CallContext("GET", target);

  Impl& impl = *impl_;
  if (!impl.RateLimit(&cancel)) return absl::CancelledError(absl::StrCat(context, ": cancelled"));

  // `stop` ends the stream from inside the data callback (an ERROR event or
  // undecodable data); the caller's token ends it from outside.
  CancelToken stop;
  CancelToken::Registration forward = cancel.OnCancel([&stop] { stop.Cancel(); });
  absl::Status stream_error;
  WatchLineDecoder decoder;
  auto handle_line = [&](std::string_view line) {
    if (!stream_error.ok()) return;
    absl::StatusOr<WatchEvent> event = ParseWatchEvent(line);
    if (!event.ok()) {
      stream_error = absl::Status(event.status().code(), absl::StrCat(context, ": ", event.status().message()));
    } else if (event->type == WatchEventType::kError) {
      std::optional<ApiError> error = ParseStatus(event->object);
      stream_error = error.has_value()
                         ? ToStatus(*error, context)
                         : absl::InternalError(absl::StrCat(context, ": ERROR event: ", event->object.dump()));
    } else {
      on_event(*event);
      return;
    }
    stop.Cancel();
  };
  auto on_data = [&](std::string_view bytes) {
    if (!stream_error.ok()) return;
    if (absl::Status s = decoder.Feed(bytes, handle_line); !s.ok() && stream_error.ok()) {
      stream_error = absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
      stop.Cancel();
    }
  };

  const absl::Duration idle =
      options.timeout_seconds > 0 ? absl::Seconds(options.timeout_seconds) + absl::Minutes(1) : kDefaultWatchIdle;
  const HttpRequest request = impl.BuildRequest("GET", target, "", "");
  const absl::Time start = absl::Now();
  HttpResult result = impl.transport->Stream(request, impl.config.timeout, idle, on_data, stop);
  impl.Observe({"watch", "GET", ref.resource, result.status.ok() ? result.response.status : 0, absl::Now() - start, 1});

  if (!stream_error.ok()) return stream_error;
  if (cancel.cancelled()) return absl::CancelledError(absl::StrCat(context, ": cancelled"));
  if (!result.status.ok()) return absl::Status(result.status.code(), absl::StrCat(context, ": ", result.status.message()));
  if (result.response.status / 100 != 2) {
    return ToStatus(ApiErrorFromResponse(result.response.status, result.response.body), context);
  }
  // A final event without its newline (the server should not send one).
  if (std::string rest = decoder.TakeRemainder(); !rest.empty()) {
    handle_line(rest);
    if (!stream_error.ok()) return stream_error;
  }
  return absl::OkStatus();
}

}  // namespace srfleet::kube
