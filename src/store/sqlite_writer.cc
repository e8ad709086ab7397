#include "store/sqlite_writer.h"

#include <fmt/format.h>
#include <pthread.h>

#include <chrono>

namespace jobstream::store::sqlite {

Writer::Writer(const SqliteStoreOptions& options, std::unique_ptr<BatchWriter> batches,
               std::unique_ptr<SyncPipeline> sync)
    : options_(options), batches_(std::move(batches)), sync_(std::move(sync)) {}

Writer::~Writer() { Close(); }

void Writer::Start() {
  thread_ = std::thread([this] { WriterLoop(); });
  sync_->Start();
}

Status Writer::Enqueue(Op op) {
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) return Status::Unavailable("the store is shutting down");
    if (sync_->failed()) return Status::IOError("the disk failed to sync the log; restart the server");
    if (queue_.size() >= options_.max_queue) return Status::Unavailable("the write queue is full");
    queue_.push_back(std::move(op));
  }
  queue_ready_.notify_one();
  return Status::Ok();
}

void Writer::Close() {
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_ && !thread_.joinable()) return;
    closing_ = true;
  }
  queue_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  sync_->Finish();
}

void Writer::SetTrimConsumers(std::vector<std::string> consumers) {
  std::lock_guard lock(queue_mutex_);
  trim_consumers_ = std::move(consumers);
}

void Writer::SetCommitListener(CommitListener listener) {
  std::lock_guard lock(queue_mutex_);
  commit_listener_ = std::move(listener);
}

Status Writer::Readiness() const {
  if (sync_->failed()) return Status::IOError("the disk failed to sync the log; restart the server");
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) return Status::Unavailable("the store is shutting down");
  }
  if (batches_->admission().RefusedRecently()) return StoreFull();
  return Status::Ok();
}

void Writer::KeepLogWithinBound() {
  SpaceAdmission& admission = batches_->admission();
  if (!admission.LogNeedsRestart()) return;
  Connection& connection = batches_->connection();
  int rc = sqlite3_wal_checkpoint_v2(connection.handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  if (rc == SQLITE_OK) {
    admission.NoteLogRestarted();
  } else if (rc != SQLITE_BUSY) {
    failed_commits_.Log(fmt::format("WAL restart before a batch failed: {}", connection.LastError()));
  }
}

void Writer::WriterLoop() {
  pthread_setname_np(pthread_self(), "js-writer");
  auto next_trim = options_.clock->SteadyNow() + options_.trim_interval;
  auto next_size_trim = options_.clock->SteadyNow();
  SpaceAdmission& admission = batches_->admission();
  std::vector<Op> batch;
  BatchWriter::TouchedShards touched;
  for (;;) {
    CommitListener listener;
    std::vector<std::string> trim_consumers;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait_for(lock, next_trim - options_.clock->SteadyNow(),
                            [this] { return !queue_.empty() || closing_; });
      if (queue_.empty() && closing_) break;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      listener = commit_listener_;
      trim_consumers = trim_consumers_;
    }
    std::size_t trim_index = batch.size();
    bool trimming = options_.clock->SteadyNow() >= next_trim;
    bool trim_for_size = false;
    if (admission.bounded()) {
      KeepLogWithinBound();
      admission.StartBatch(batches_->UsedBytes(), trim_consumers.size());
      trim_for_size = admission.WantsEarlyTrim() && options_.clock->SteadyNow() >= next_size_trim;
    }
    if (trimming || trim_for_size) {
      batch.emplace_back(TrimOp{options_.clock->Now(), nullptr, {}, false, trim_for_size});
      if (trimming) next_trim = options_.clock->SteadyNow() + options_.trim_interval;
      if (trim_for_size) next_size_trim = options_.clock->SteadyNow() + std::chrono::seconds(1);
      trimming = true;
    }
    if (batch.empty()) continue;
    if (sync_->failed()) {  // nothing may be written on top of a log whose sync failed
      Acknowledge(batch, Status::IOError("the disk failed to sync the log; restart the server"));
      batch.clear();
      continue;
    }

    Status commit = batches_->ApplyBatch(batch, trim_consumers, touched);
    if (commit.code() == StatusCode::kUnavailable) commit = batches_->ApplyEachAlone(batch, trim_consumers, touched);
    if (!commit.ok()) {
      failed_commits_.Log(fmt::format("commit of {} writes failed: {}", batch.size(), commit.message()));
    }
    if (trimming && commit.ok() && std::get<TrimOp>(batch[trim_index]).more) {
      next_trim = options_.clock->SteadyNow() + std::chrono::seconds(1);  // the next slice
    }
    std::shared_ptr<const CommittedRecords> records;
    if (commit.ok()) records = batches_->CollectRecords(batch, touched, listener != nullptr);
    sync_->HandOver(
        CommittedBatch{std::move(batch), commit, std::move(records), batches_->last_sequence(), std::move(listener)});
    batch = {};
  }
}

}  // namespace jobstream::store::sqlite
