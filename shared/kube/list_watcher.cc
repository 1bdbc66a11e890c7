#include "shared/kube/list_watcher.h"

#include <memory>
#include <utility>

#include "absl/random/random.h"

namespace srfleet::kube {
namespace {

// A watch that ends this quickly without delivering anything counts as a
// failure, so a server that keeps closing streams is not hammered.
constexpr absl::Duration kMinHealthyWatch = absl::Seconds(1);

}  // namespace

ListWatcher::ListWatcher(KubeClient& client, ResourceRef ref, ListWatcherOptions options)
    : client_(client),
      ref_(std::move(ref)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &Clock::Real()) {}

std::string ListWatcher::resource_version() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

ListWatcherStats ListWatcher::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void ListWatcher::SetResourceVersion(const std::string& rv) {
  absl::MutexLock lock(&mu_);
  resource_version_ = rv;
}

void ListWatcher::Count(int64_t ListWatcherStats::*field) {
  absl::MutexLock lock(&mu_);
  ++(stats_.*field);
}

bool ListWatcher::Sleep(absl::Duration d, const CancelToken& cancel) {
  return clock_->SleepFor(d, &cancel) && !cancel.cancelled();
}

bool ListWatcher::List(const Handlers& handlers, const CancelToken& cancel, Backoff& backoff) {
  while (!cancel.cancelled()) {
    ListOptions list_options;
    list_options.label_selector = options_.label_selector;
    list_options.field_selector = options_.field_selector;
    list_options.limit = options_.page_size;
    absl::StatusOr<ObjectList> list = client_.ListAll(ref_, list_options);
    if (list.ok()) {
      SetResourceVersion(list->resource_version);
      Count(&ListWatcherStats::lists);
      if (handlers.on_snapshot) handlers.on_snapshot(std::move(list->items), list->resource_version);
      return true;
    }
    Count(&ListWatcherStats::errors);
    if (handlers.on_error) handlers.on_error(list.status());
    if (!Sleep(backoff.Next(), cancel)) return false;
  }
  return false;
}

absl::Status ListWatcher::Run(const Handlers& handlers, const CancelToken& cancel) {
  Backoff backoff(options_.backoff, options_.random);
  Backoff::Uniform01 random = options_.random;
  if (!random) {
    auto gen = std::make_shared<absl::BitGen>();
    random = [gen] { return absl::Uniform<double>(*gen, 0.0, 1.0); };
  }
  bool need_list = true;
  while (!cancel.cancelled()) {
    if (need_list) {
      if (!List(handlers, cancel, backoff)) break;
      need_list = false;
    }
    WatchOptions watch_options;
    watch_options.resource_version = resource_version();
    watch_options.allow_bookmarks = options_.allow_bookmarks;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    if (options_.watch_timeout_seconds > 0) {
      watch_options.timeout_seconds =
          options_.watch_timeout_seconds + static_cast<int>(random() * options_.watch_timeout_seconds);
    }
    Count(&ListWatcherStats::watches);
    int64_t delivered = 0;
    const absl::Time start = absl::Now();
    absl::Status status = client_.Watch(
        ref_, watch_options,
        [&](const WatchEvent& event) {
          // Move the resume point first: a resume must not replay this event.
          if (std::string rv = event.ResourceVersion(); !rv.empty()) SetResourceVersion(rv);
          ++delivered;
          if (event.type == WatchEventType::kBookmark) {
            Count(&ListWatcherStats::bookmarks);
            return;
          }
          Count(&ListWatcherStats::events);
          if (handlers.on_event) handlers.on_event(event);
        },
        cancel);
    if (cancel.cancelled()) break;
    if (delivered > 0) backoff.Reset();

    if (kube::IsGone(status)) {
      // Our resourceVersion fell out of the server's window: events were
      // lost, only a fresh list can resynchronise.
      Count(&ListWatcherStats::relists_on_gone);
      if (handlers.on_error) handlers.on_error(status);
      need_list = true;
      continue;
    }
    const bool healthy = status.ok() && (delivered > 0 || absl::Now() - start >= kMinHealthyWatch);
    if (!healthy) {
      Count(&ListWatcherStats::errors);
      if (!status.ok() && handlers.on_error) handlers.on_error(status);
      if (!Sleep(backoff.Next(), cancel)) break;
    }
    Count(&ListWatcherStats::resumes);
  }
  return absl::CancelledError("list-watch cancelled");
}

}  // namespace srfleet::kube
