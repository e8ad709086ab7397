// The SQLite backend's single writer: the queue every write goes through, and the thread that
// takes everything queued (up to max_batch), applies it in one transaction (BatchWriter), commits
// it to the log and hands it to the sync pipeline (SyncPipeline), which acknowledges it once
// durable. Trims run as writes of their own, every trim_interval (and early in a bounded store
// short of room).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/rate_limited_log.h"
#include "store/sqlite_batch_writer.h"
#include "store/sqlite_store_options.h"
#include "store/sqlite_sync_pipeline.h"
#include "store/sqlite_write_ops.h"

namespace jobstream::store::sqlite {

// Thread-safe.
class Writer {
 public:
  // `options` is not owned and outlives the writer.
  Writer(const SqliteStoreOptions& options, std::unique_ptr<BatchWriter> batches, std::unique_ptr<SyncPipeline> sync);
  ~Writer();

  // Starts the writer and sync threads.
  void Start();
  // Queues a write; refused (kUnavailable when closing or full, kIOError after a failed sync)
  // without running its callback.
  Status Enqueue(Op op);
  // Applies what is queued (the callbacks run), then stops both threads. Idempotent.
  void Close();

  void SetTrimConsumers(std::vector<std::string> consumers);
  void SetCommitListener(CommitListener listener);

  // Ok while new jobs would be accepted; otherwise why not. No I/O.
  Status Readiness() const;
  // Highest sequence number known durable.
  std::int64_t durable_sequence() const { return sync_->durable_sequence(); }

 private:
  void WriterLoop();
  // A bounded store's log: restarted by the writer itself when the checkpointer could not keep
  // it short (SpaceAdmission::LogNeedsRestart), before the next batch.
  void KeepLogWithinBound();

  // Constant after construction.
  const SqliteStoreOptions& options_;
  // Used by the writer thread only (once started).
  std::unique_ptr<BatchWriter> batches_;
  std::unique_ptr<SyncPipeline> sync_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Op> queue_;                     // GUARDED_BY(queue_mutex_)
  bool closing_ = false;                     // GUARDED_BY(queue_mutex_)
  CommitListener commit_listener_;           // GUARDED_BY(queue_mutex_); copied by the writer
  std::vector<std::string> trim_consumers_;  // GUARDED_BY(queue_mutex_)

  RateLimitedLog failed_commits_{spdlog::level::err};  // a full disk fails every commit: one line per interval
  std::thread thread_;
};

}  // namespace jobstream::store::sqlite
