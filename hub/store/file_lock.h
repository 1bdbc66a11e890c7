// An exclusive advisory lock (flock) on a file, held for the object's life.
// flock locks belong to the open file description, so a second TryAcquire in
// the same process conflicts too (POSIX fcntl locks would not), and the
// kernel drops the lock when the holder dies, even by SIGKILL.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace srfleet::hub {

class FileLock {
 public:
  // Creates `path` if needed. FailedPrecondition if another holder has it;
  // other errors from open(2)/flock(2) as errno statuses.
  static absl::StatusOr<FileLock> TryAcquire(const std::string& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  // Releases the lock. The file itself stays: unlinking it would let two
  // processes hold locks on different inodes under the same name.
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace srfleet::hub
