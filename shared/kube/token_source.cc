#include "shared/kube/token_source.h"

#include <utility>

#include "shared/kube/file_util.h"

namespace srfleet::kube::internal {

TokenSource::TokenSource(std::string static_token, std::string token_file, absl::Duration refresh, Clock* clock)
    : file_(std::move(token_file)), refresh_(refresh), clock_(clock), token_(std::move(static_token)) {}

bool TokenSource::ReloadLocked() {
  loaded_at_ = clock_->Now();
  absl::StatusOr<std::string> text = ReadWholeFile(file_);
  if (!text.ok()) return false;
  std::string token = TrimWhitespace(*std::move(text));
  if (token.empty() || token == token_) return false;
  token_ = std::move(token);
  return true;
}

std::string TokenSource::Token() {
  absl::MutexLock lock(&mu_);
  if (!file_.empty() && clock_->Now() - loaded_at_ >= refresh_) ReloadLocked();
  return token_;
}

bool TokenSource::ForceRefresh() {
  absl::MutexLock lock(&mu_);
  if (file_.empty()) return false;
  return ReloadLocked();
}

}  // namespace srfleet::kube::internal
