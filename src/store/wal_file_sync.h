// Makes the SQLite write-ahead log durable from a thread other than the writer's.
//
// The writer connection runs with synchronous=NORMAL, so COMMIT appends the transaction's frames
// to the log without waiting for the disk. The store then syncs the log through a FileSync: once
// a Sync() that began after a COMMIT returned succeeds, that transaction survives power loss.
// SQLite still syncs on its own where NORMAL needs it (before a checkpoint copies the log, when
// the log is restarted). The sync runs outside SQLite's VFS, which is why it is an interface: a
// power-loss test (store/fault_injection_vfs.h) must count it as a sync of the log.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "common/status.h"

namespace jobstream::store {

// Syncs one file's data. Used by one thread at a time.
class FileSync {
 public:
  virtual ~FileSync() = default;
  // Every write to the file that completed before the call is durable once this returns Ok.
  // `missing_ok`: a file that does not exist yet has nothing to sync (at startup).
  virtual Status Sync(bool missing_ok = false) = 0;
};

// Makes the FileSync of the file at `path` (the store's log).
using FileSyncFactory = std::function<std::unique_ptr<FileSync>(const std::filesystem::path& path)>;

// The real one: fdatasync through its own file descriptor (fsync acts on the file, not the
// descriptor).
class WalFileSync final : public FileSync {
 public:
  explicit WalFileSync(std::filesystem::path wal_path) : wal_path_(std::move(wal_path)) {}
  ~WalFileSync() override;
  WalFileSync(const WalFileSync&) = delete;
  WalFileSync& operator=(const WalFileSync&) = delete;

  // fdatasync of the log. Reopens the file first if it was replaced (another inode at the path).
  Status Sync(bool missing_ok = false) override;

 private:
  std::filesystem::path wal_path_;
  int fd_ = -1;
  ino_t inode_ = 0;
  dev_t device_ = 0;
};

}  // namespace jobstream::store
