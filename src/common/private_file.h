// Small private files in the data directory (keys, the account id, the session-token key):
// written atomically with mode 0600, read back with a size bound.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace jobstream {

// Owns a file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred close would swallow.
  int Close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd);
  }

 private:
  int fd_;
};

// Writes contents to path atomically: a temp file (mode 0600, fsync'd) renamed into place, then
// the directory fsync'd, so a crash leaves the old file or the new one, never a mix. Run as root
// on a directory owned by someone else, the file is given to the directory's owner.
Status WritePrivateFileAtomically(const std::filesystem::path& path, std::string_view contents);

// The whole file; NotFound when it does not exist, IOError past max_size bytes.
Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::size_t max_size);

}  // namespace jobstream
