// Copies the SQLite write-ahead log back into the database on its own thread and connection.
//
// SQLite's default auto-checkpoint runs inside the commit that crosses the threshold, so one
// unlucky group commit pays for copying thousands of pages (and an extra fsync). Here the writer
// only signals after its commits; this thread runs PASSIVE checkpoints, which never block the
// writer or readers, and runs a RESTART checkpoint when the log passes 64 MiB because readers
// kept it from starting over. After each checkpoint it starts the kernel's writeback of the
// copied pages, so they leave in small steps instead of bursts that stall the log's syncs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "common/rate_limited_log.h"
#include "common/status.h"
#include "store/sqlite_connection.h"

namespace jobstream::store {

class WalCheckpointer {
 public:
  // Opens its own connection to `db_path` (through the SQLite VFS `vfs`, empty: the default) and
  // starts the thread. Past `max_log_frames` frames (0: the default, 16384 = 64 MiB of 4 KiB
  // pages) a RESTART starts the log over; the log file keeps its size for reuse, so this also
  // bounds the file's size in steady state.
  static std::unique_ptr<WalCheckpointer> Start(const std::filesystem::path& db_path, int max_log_frames,
                                                Status& status, const std::string& vfs = {});
  ~WalCheckpointer();  // stops the thread after a last checkpoint
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Called by the writer after a commit; cheap (a flag and a notify).
  void NoteCommit();
  // No checkpoint from now on, not even the last one (after a failed sync of the log).
  void Disable() { disabled_ = true; }

 private:
  explicit WalCheckpointer(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
  void Run();
  void Checkpoint();

  std::unique_ptr<Connection> connection_;  // used by the thread only
  int database_fd_ = -1;                    // the database file, for sync_file_range and fdatasync
  int max_log_frames_ = 0;                  // constant after Start
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;   // GUARDED_BY(mutex_)
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::atomic<bool> disabled_{false};
  RateLimitedLog failures_{spdlog::level::warn};  // a full disk fails every checkpoint
  std::thread thread_;
};

}  // namespace jobstream::store
