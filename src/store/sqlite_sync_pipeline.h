// The second half of the SQLite backend's group commit: makes each committed batch durable and
// only then acknowledges it.
//
// The writer commits a batch to the log without waiting for the disk and hands it over here. The
// sync thread fdatasyncs the log (one sync covers every batch committed before it began, as in
// LevelDB's DBImpl::Write), and only then runs each write's callback and tells the commit
// listener. So applying batch N+1 overlaps the disk flush of batch N, and nothing is acknowledged,
// streamed to consumers or reported as committed before it is durable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "store/sqlite_write_ops.h"
#include "store/wal_checkpointer.h"
#include "store/wal_file_sync.h"

namespace jobstream::store::sqlite {

// Thread-safe.
class SyncPipeline {
 public:
  // `checkpointer` is not owned and outlives the pipeline's thread (Finish).
  SyncPipeline(std::unique_ptr<FileSync> log_sync, WalCheckpointer* checkpointer);
  ~SyncPipeline();

  // Syncs a log left by a crashed process, which may hold commits that never reached the disk,
  // before anything builds on them; everything through `last_sequence` then counts as durable.
  Status SyncRecovered(std::int64_t last_sequence);
  void Start();
  // Hands a committed batch over; waits while the previous one is not taken yet, so at most one
  // batch is syncing and one waiting while the writer applies a third.
  void HandOver(CommittedBatch committed);
  // The writer is done: syncs and acknowledges what was handed over, then ends the thread.
  void Finish();

  // Set once a sync failed: what the kernel dropped cannot be told apart from what it kept (fsync
  // errors are not sticky), so the store refuses every later write until restarted.
  bool failed() const { return failed_; }
  // Highest sequence number known durable: the stream is read only up to here.
  std::int64_t durable_sequence() const { return durable_sequence_.load(std::memory_order_acquire); }

 private:
  void SyncLoop();

  // Constant after construction; used by the sync thread only once it runs.
  std::unique_ptr<FileSync> log_sync_;
  WalCheckpointer* checkpointer_;

  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<CommittedBatch> awaiting_sync_;  // GUARDED_BY(mutex_)
  bool writer_finished_ = false;                 // GUARDED_BY(mutex_)
  std::atomic<std::int64_t> durable_sequence_{0};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace jobstream::store::sqlite
