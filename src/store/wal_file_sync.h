// Makes the SQLite write-ahead log durable from a thread other than the writer's.
//
// The writer connection runs with synchronous=NORMAL, so COMMIT appends the transaction's frames
// to the log without waiting for the disk. This class fdatasyncs the log through its own file
// descriptor (fsync acts on the file, not the descriptor): once a Sync() that began after a
// COMMIT returned succeeds, that transaction survives power loss. SQLite still syncs on its own
// where NORMAL needs it (before a checkpoint copies the log, when the log is restarted).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>

#include "common/status.h"

namespace jobstream::store {

class WalFileSync {
 public:
  explicit WalFileSync(std::filesystem::path wal_path) : wal_path_(std::move(wal_path)) {}
  ~WalFileSync();
  WalFileSync(const WalFileSync&) = delete;
  WalFileSync& operator=(const WalFileSync&) = delete;

  // fdatasync of the log. Reopens the file first if it was replaced (another inode at the path).
  // `missing_ok`: a log that does not exist yet has nothing to sync (at startup).
  Status Sync(bool missing_ok = false);

 private:
  std::filesystem::path wal_path_;
  int fd_ = -1;
  ino_t inode_ = 0;
  dev_t device_ = 0;
};

}  // namespace jobstream::store
