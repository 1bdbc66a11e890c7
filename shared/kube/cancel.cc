#include "shared/kube/cancel.h"

#include <utility>

namespace srfleet::kube {

void CancelToken::Cancel() {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [id, fn] : callbacks_) fn();
  callbacks_.clear();
}

bool CancelToken::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool CancelToken::WaitFor(absl::Duration d) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&cancelled_), d);
}

CancelToken::Registration CancelToken::OnCancel(std::function<void()> fn) const {
  absl::MutexLock lock(&mu_);
  if (cancelled_) {
    fn();
    return Registration();
  }
  const uint64_t id = next_id_++;
  callbacks_.emplace(id, std::move(fn));
  return Registration(this, id);
}

void CancelToken::Unregister(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

CancelToken::Registration::Registration(Registration&& other) noexcept
    : token_(std::exchange(other.token_, nullptr)), id_(other.id_) {}

CancelToken::Registration& CancelToken::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    token_ = std::exchange(other.token_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

CancelToken::Registration::~Registration() { Reset(); }

void CancelToken::Registration::Reset() {
  if (token_ != nullptr) token_->Unregister(id_);
  token_ = nullptr;
}

}  // namespace srfleet::kube
