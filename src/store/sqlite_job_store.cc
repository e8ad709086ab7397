#include "store/sqlite_job_store.h"

#include <fmt/format.h>

#include <future>

#include "store/sqlite_batch_writer.h"
#include "store/sqlite_readers.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_sync_pipeline.h"
#include "store/sqlite_writer.h"
#include "store/wal_checkpointer.h"

namespace jobstream::store {

SqliteJobStore::SqliteJobStore(SqliteStoreOptions options)
    : options_(std::move(options)), db_path_(options_.data_dir / kDatabaseFile), shards_(options_.shards) {}

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(SqliteStoreOptions options) {
  if (options.shards < 1 || options.shards > 1024) return Status::InvalidArgument("shards must be between 1 and 1024");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", options.data_dir.string(), ec.message()));
  // Locked before it is judged: a running server's live log is not damage.
  auto lock = DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return lock.error();
  if (Status intact = CheckStoreIntact(options.data_dir); !intact.ok()) return intact;
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(std::move(options)));
  store->lock_ = std::move(lock).value();
  Status status = store->Initialize();
  if (!status.ok()) return status;
  if (status = MarkStoreCreated(store->options_.data_dir); !status.ok()) return status;
  store->writer_->Start();
  return store;
}

// Recovery, in order: the schema and its migrations; a bounded store's log bound; the
// checkpointer; what the data directory fixed (shards, account) and where the stream left off;
// the writer's statements; and a sync of whatever log a crashed process left.
Status SqliteJobStore::Initialize() {
  Status status;
  auto connection = Connection::Open(db_path_, status, options_.sqlite_vfs);
  if (!connection) return status;
  if (sqlite3_db_readonly(connection->handle(), "main") == 1) {
    return Status::IOError(fmt::format("{} opened read-only: the server needs read-write access", db_path_.string()));
  }
  admission_ = std::make_unique<sqlite::SpaceAdmission>(options_.max_size_bytes, options_.clock);
  if (status = sqlite::PrepareDatabase(*connection, options_, admission_->bounded() ? admission_->DatabaseBound() : 0);
      !status.ok()) {
    return status;
  }
  if (admission_->bounded()) {
    // The log's share is a hard bound (SpaceAdmission): the writer counts the log's frames
    // itself, and a log left larger by an earlier run without the bound is cut back to the share
    // the first time it restarts. Counted from here, so that the writer's first batch already
    // knows how long the log is.
    sqlite3_wal_hook(
        connection->handle(),
        [](void* admission, sqlite3* /*db*/, const char* /*schema*/, int log_frames) {
          static_cast<sqlite::SpaceAdmission*>(admission)->NoteLogFrames(log_frames);
          return SQLITE_OK;
        },
        admission_.get());
    if (status = connection->Execute(fmt::format("PRAGMA journal_size_limit = {}", admission_->LogBound()));
        !status.ok()) {
      return status;
    }
  }
  checkpointer_ = WalCheckpointer::Start(db_path_, admission_->CheckpointFrames(), status, options_.sqlite_vfs);
  if (!checkpointer_) return status;
  auto recovered = sqlite::RecoverState(*connection, options_);
  if (!recovered.ok()) return recovered.error();
  shards_ = recovered->shards;
  admission_->SetUnfinishedJobs(recovered->unfinished_jobs);
  encoder_ = std::make_unique<const stream::RecordEncoder>(recovered->account, options_.view_type);
  auto batches =
      std::make_unique<sqlite::BatchWriter>(std::move(connection), options_, *recovered, *encoder_, *admission_);
  if (status = batches->PreparedStatus(); !status.ok()) return status;
  std::filesystem::path wal_path = db_path_.string() + "-wal";
  auto sync = std::make_unique<sqlite::SyncPipeline>(
      options_.open_log_sync ? options_.open_log_sync(wal_path) : std::make_unique<WalFileSync>(wal_path),
      checkpointer_.get());
  if (status = sync->SyncRecovered(batches->last_sequence()); !status.ok()) return status;
  readers_ = std::make_unique<sqlite::ReaderPool>(db_path_, options_.sqlite_vfs);
  writer_ = std::make_unique<sqlite::Writer>(options_, std::move(batches), std::move(sync));
  return Status::Ok();
}

SqliteJobStore::~SqliteJobStore() { Close(); }

Status SqliteJobStore::Readiness() const {
  if (!writer_) return Status::Unavailable("the store is shutting down");
  return writer_->Readiness();
}

void SqliteJobStore::Close() {
  if (writer_) writer_->Close();
  checkpointer_.reset();  // a last checkpoint, then the thread ends
}

sqlite::EncodedJob SqliteJobStore::Encode(Job& job) const {
  job.version = 0;  // as the reference's PutItem writes it
  std::string item_json = job.ToTypedItemJson();
  // The stored item is the typed item: the record's NewImage is the same text.
  auto record = encoder_->Encode(stream::EventName::kInsert, job.id, job.updated_at, item_json);
  bool awaits_consumers = !job.consumers.empty();
  return sqlite::EncodedJob{std::move(job.id), std::move(item_json), job.AggregateStatus(), std::move(record), {},
                            awaits_consumers};
}

void SqliteJobStore::InsertJob(Job job, WriteDone done) {
  std::vector<sqlite::EncodedJob> encoded;
  encoded.push_back(Encode(job));
  auto callback = done;
  Status status = writer_->Enqueue(sqlite::InsertOp{std::move(encoded), std::move(done), {}});
  if (!status.ok()) callback(status);
}

void SqliteJobStore::InsertJobs(std::vector<Job> jobs, WriteDone done) {
  std::vector<sqlite::EncodedJob> encoded;
  encoded.reserve(jobs.size());
  for (Job& job : jobs) encoded.push_back(Encode(job));
  auto callback = done;
  Status status = writer_->Enqueue(sqlite::InsertOp{std::move(encoded), std::move(done), {}});
  if (!status.ok()) callback(status);
}

void SqliteJobStore::UpdateConsumerState(const Job& current, std::string consumer, ConsumerState state,
                                         UpdateDone done) {
  Job written = current;
  written.consumers[consumer] = std::move(state);
  written.version = current.version + 1;
  written.updated_at = options_.clock->Now();
  std::string item_json = written.ToTypedItemJson();
  std::string old_item_json;
  if (encoder_->CarriesOldImage(stream::EventName::kModify)) old_item_json = current.ToTypedItemJson();
  auto record = encoder_->Encode(stream::EventName::kModify, written.id, written.updated_at, item_json, old_item_json);
  bool finishes_job = !current.Finished() && written.Finished();
  std::optional<std::string> new_status = written.AggregateStatus();
  if (*new_status == current.AggregateStatus()) new_status.reset();
  auto callback = done;
  Status status = writer_->Enqueue(sqlite::UpdateOp{std::move(written),
                                                    std::move(item_json),
                                                    std::move(new_status),
                                                    std::move(record),
                                                    {},
                                                    finishes_job,
                                                    std::move(done),
                                                    {}});
  if (!status.ok()) callback(status);
}

void SqliteJobStore::WriteItem(std::string id, ItemMutation mutate, ItemWriteDone done) {
  auto callback = done;
  Status status = writer_->Enqueue(
      sqlite::ItemWriteOp{std::move(id), std::move(mutate), std::move(done), {}, {}, {}, false, {}, {}, {}});
  if (!status.ok()) callback(ItemWriteOutcome{status, std::nullopt, std::nullopt, false});
}

void SqliteJobStore::SaveCheckpoint(std::string consumer, int shard, std::int64_t sequence, WriteDone done) {
  auto callback = done;
  Status status = writer_->Enqueue(sqlite::CheckpointOp{std::move(consumer), shard, sequence, std::move(done), {}});
  if (!status.ok() && callback) callback(status);
}

Status SqliteJobStore::TrimNow(SystemTime now) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Status status =
      writer_->Enqueue(sqlite::TrimOp{now, [&promise](Status s) { promise.set_value(std::move(s)); }, {}, false});
  if (!status.ok()) return status;
  return future.get();
}

void SqliteJobStore::SetTrimConsumers(std::vector<std::string> consumers) {
  writer_->SetTrimConsumers(std::move(consumers));
}

void SqliteJobStore::SetCommitListener(CommitListener listener) { writer_->SetCommitListener(std::move(listener)); }

std::string SqliteJobStore::ListJobsSql(bool by_status, bool before_id) {
  return sqlite::ReaderPool::ListJobsSql(by_status, before_id);
}

Result<JobListing> SqliteJobStore::ListJobs(std::string_view status, std::string_view before_id, std::size_t limit) {
  return readers_->ListJobs(status, before_id, limit);
}

Result<std::vector<std::string>> SqliteJobStore::ScanItems(std::string_view after_id, std::size_t limit) {
  return readers_->ScanItems(after_id, limit);
}

Result<std::int64_t> SqliteJobStore::CountItems() { return readers_->CountItems(); }

Result<std::string> SqliteJobStore::GetJobJson(std::string_view id) { return readers_->GetJobJson(id); }

Result<Job> SqliteJobStore::GetJob(std::string_view id) {
  auto json = GetJobJson(id);
  if (!json.ok()) return json.error();
  return Job::FromItemJson(*json);
}

Result<std::vector<stream::StreamRecord>> SqliteJobStore::ReadStream(int shard, std::int64_t after_sequence,
                                                                     std::size_t limit) {
  // Records committed but not yet synced stay invisible: consumers act on durable changes only.
  return readers_->ReadStream(shard, after_sequence, limit, writer_->durable_sequence());
}

Result<ShardBounds> SqliteJobStore::ReadShardBounds(int shard) {
  return readers_->ReadShardBounds(shard, writer_->durable_sequence());
}

Result<std::string> SqliteJobStore::ReadRecord(std::int64_t sequence) { return readers_->ReadRecord(sequence); }

Result<std::int64_t> SqliteJobStore::LoadCheckpoint(std::string_view consumer, int shard) {
  return readers_->LoadCheckpoint(consumer, shard);
}

}  // namespace jobstream::store
