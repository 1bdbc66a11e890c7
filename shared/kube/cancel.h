// A cancellation token shared between the thread that runs a long operation
// (a watch, a ListWatcher loop, a backoff sleep) and the thread that stops it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace srfleet::kube {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Idempotent. Runs every registered callback once, on this thread.
  void Cancel();
  bool cancelled() const;

  // Sleeps up to `d`; returns true when woken by Cancel() (or already
  // cancelled), false when the full duration elapsed.
  bool WaitFor(absl::Duration d) const;

  // Unregisters its callback on destruction. Destruction waits for a running
  // callback to finish, so the callback may safely capture locals of the
  // scope that owns the registration.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration();

   private:
    friend class CancelToken;
    Registration(const CancelToken* token, uint64_t id) : token_(token), id_(id) {}
    void Reset();
    const CancelToken* token_ = nullptr;
    uint64_t id_ = 0;
  };

  // Calls `fn` when the token is cancelled; at once if it already is. `fn`
  // runs under the token's lock: it must be short and must not touch the
  // token (posting work to an io_context is the intended use).
  [[nodiscard]] Registration OnCancel(std::function<void()> fn) const;

 private:
  void Unregister(uint64_t id) const;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  mutable uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  mutable std::map<uint64_t, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace srfleet::kube
