#include "store/sqlite_sync_pipeline.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace jobstream::store::sqlite {

SyncPipeline::SyncPipeline(std::unique_ptr<FileSync> log_sync, WalCheckpointer* checkpointer)
    : log_sync_(std::move(log_sync)), checkpointer_(checkpointer) {}

SyncPipeline::~SyncPipeline() { Finish(); }

Status SyncPipeline::SyncRecovered(std::int64_t last_sequence) {
#ifdef JOBSTREAM_UNSAFE_SKIP_ACK_SYNC
  spdlog::critical("built with JOBSTREAM_UNSAFE_SKIP_ACK_SYNC: writes are acknowledged before they are durable");
#endif
  if (Status status = log_sync_->Sync(/*missing_ok=*/true); !status.ok()) return status;
  durable_sequence_ = last_sequence;
  return Status::Ok();
}

void SyncPipeline::Start() {
  thread_ = std::thread([this] { SyncLoop(); });
}

void SyncPipeline::HandOver(CommittedBatch committed) {
  {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !awaiting_sync_.has_value(); });
    awaiting_sync_ = std::move(committed);
  }
  ready_.notify_all();
}

void SyncPipeline::Finish() {
  {
    std::lock_guard lock(mutex_);
    writer_finished_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncPipeline::SyncLoop() {
  pthread_setname_np(pthread_self(), "js-sync");
  for (;;) {
    CommittedBatch batch;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return awaiting_sync_.has_value() || writer_finished_; });
      if (!awaiting_sync_) break;
      batch = std::move(*awaiting_sync_);
      awaiting_sync_.reset();
    }
    ready_.notify_all();  // the writer may hand over its next batch while this one syncs
    Status durable = batch.commit;
    // After one failed sync nothing later may count as durable: the log's checksums chain its
    // frames, so a transaction after a lost one is lost with it on recovery.
    if (durable.ok() && failed_) durable = Status::IOError("an earlier sync of the log failed");
#ifndef JOBSTREAM_UNSAFE_SKIP_ACK_SYNC
    if (durable.ok()) durable = log_sync_->Sync();
#endif  // else acknowledged before it is durable: only to prove the power-loss test catches it
    if (batch.commit.ok() && !durable.ok()) {
      spdlog::critical("{}; refusing further writes", durable.message());
      failed_ = true;
      checkpointer_->Disable();  // its pages may not be what the log claims: copy nothing more
    }
    if (durable.ok()) durable_sequence_.store(batch.last_sequence, std::memory_order_release);
    // Acknowledge only now: the transaction is durable (or failed, and every write says so).
    Acknowledge(batch.ops, durable);
    if (!durable.ok()) continue;
    checkpointer_->NoteCommit();
    if (batch.records && batch.listener) batch.listener(batch.records);
  }
}

}  // namespace jobstream::store::sqlite
