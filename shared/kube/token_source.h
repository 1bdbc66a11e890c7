// Internal: the bearer token to send, re-read from token_file periodically
// because projected service-account tokens rotate (client-go re-reads every
// minute too).
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared/kube/clock.h"

namespace srfleet::kube::internal {

class TokenSource {
 public:
  TokenSource(std::string static_token, std::string token_file, absl::Duration refresh, Clock* clock);
  // "" when there is no token. Keeps the last good token when a re-read fails.
  std::string Token();
  // Re-reads the file now (after a 401); true when the token changed.
  bool ForceRefresh();

 private:
  bool ReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string file_;
  const absl::Duration refresh_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace srfleet::kube::internal
