// List-then-watch for one collection, the base of informers: delivers a full
// snapshot on every (re)list and then the events after it, resuming the
// watch from the last seen resourceVersion (events and bookmarks) when the
// stream drops, relisting when the server says that version is gone (410),
// with jittered backoff between failed attempts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "shared/kube/backoff.h"
#include "shared/kube/kube_client.h"

namespace srfleet::kube {

struct ListWatcherOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;  // list pagination; 0: one request
  bool allow_bookmarks = true;
  // The server ends each watch after a random time in [t, 2t) (as client-go's
  // reflector does), which spreads reconnects and refreshes long streams.
  int watch_timeout_seconds = 300;
  BackoffPolicy backoff{absl::Milliseconds(200), absl::Seconds(30), 2.0, 0.5};
  Clock* clock = nullptr;           // null: the real clock (backoff sleeps)
  Backoff::Uniform01 random;        // null: absl::BitGen
};

struct ListWatcherStats {
  int64_t lists = 0;            // successful (re)lists
  int64_t relists_on_gone = 0;  // relists because the watch answered 410
  int64_t watches = 0;          // watch requests started
  int64_t resumes = 0;          // watches restarted from the last resourceVersion after a drop or timeout
  int64_t events = 0;           // ADDED/MODIFIED/DELETED delivered
  int64_t bookmarks = 0;
  int64_t errors = 0;           // failed lists/watches (each followed by a backoff)
};

class ListWatcher {
 public:
  struct Handlers {
    // The collection's full content at `resource_version`: replace the cache.
    std::function<void(std::vector<Json> items, const std::string& resource_version)> on_snapshot;
    // ADDED / MODIFIED / DELETED after the last snapshot, in order.
    std::function<void(const WatchEvent& event)> on_event;
    // Optional: a failure that will be retried (for logs).
    std::function<void(const absl::Status& error)> on_error;
  };

  ListWatcher(KubeClient& client, ResourceRef ref, ListWatcherOptions options = {});

  // Runs until `cancel` fires, then returns Cancelled. Never gives up on
  // errors (like client-go), it reports them to on_error and backs off.
  absl::Status Run(const Handlers& handlers, const CancelToken& cancel);

  // The resourceVersion the next watch would start from.
  std::string resource_version() const;
  ListWatcherStats stats() const;

 private:
  // Returns false when cancelled.
  bool List(const Handlers& handlers, const CancelToken& cancel, Backoff& backoff);
  void SetResourceVersion(const std::string& rv);
  void Count(int64_t ListWatcherStats::*field);
  bool Sleep(absl::Duration d, const CancelToken& cancel);

  KubeClient& client_;
  const ResourceRef ref_;
  const ListWatcherOptions options_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  ListWatcherStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::kube
