#include "hub/server/cluster_writer.h"

#include <utility>
#include <vector>

namespace srfleet::hub {

ClusterWriter::ClusterWriter(IntentStore& store, absl::Duration flush_interval,
                             std::function<void(const char*, absl::Duration, bool)> on_write)
    : store_(store), interval_(flush_interval), on_write_(std::move(on_write)) {
  thread_ = std::thread([this] { Run(); });
}

ClusterWriter::~ClusterWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  (void)WriteBatch();
}

void ClusterWriter::Put(const ClusterRecord& record) {
  absl::MutexLock lock(&mu_);
  pending_[record.name] = Pending{false, record};
}

void ClusterWriter::Delete(const std::string& name) {
  absl::MutexLock lock(&mu_);
  Pending p;
  p.erase = true;
  p.record.name = name;
  pending_[name] = std::move(p);
}

absl::Status ClusterWriter::Flush() { return WriteBatch(); }

absl::Status ClusterWriter::WriteBatch() {
  absl::MutexLock write_lock(&write_mu_);
  absl::flat_hash_map<std::string, Pending> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(pending_);
  }
  absl::Status first = absl::OkStatus();
  for (auto& [name, p] : batch) {
    const absl::Time start = absl::Now();
    absl::Status s = p.erase ? store_.DeleteCluster(name) : store_.PutCluster(p.record);
    if (p.erase && absl::IsNotFound(s)) s = absl::OkStatus();
    if (on_write_) on_write_(p.erase ? "delete_cluster" : "put_cluster", absl::Now() - start, s.ok());
    if (!s.ok()) {
      if (first.ok()) first = s;
      // Keep it for the next round unless something newer arrived meanwhile.
      absl::MutexLock lock(&mu_);
      pending_.try_emplace(name, std::move(p));
    }
  }
  return first;
}

void ClusterWriter::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
    if (stopping_) break;
    if (pending_.empty()) continue;
    mu_.Unlock();
    (void)WriteBatch();
    mu_.Lock();
  }
}

}  // namespace srfleet::hub
