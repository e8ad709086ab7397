// The embedded backend: SQLite in WAL mode, group commit pipelined over two threads.
//
// This class is the facade that implements JobStore; each concept behind it has a file of its own:
//  - sqlite_schema.h: the tables, their migrations, and what an opened store recovers from them;
//  - sqlite_admission.h: a bounded store's space account, which refuses new jobs that would not fit;
//  - sqlite_writer.h: the queue and the writer thread; sqlite_batch_writer.h applies a batch in one
//    transaction; sqlite_sync_pipeline.h makes it durable and only then acknowledges it;
//  - sqlite_trimmer.h: trimming the stream by retention (and, when short of room, by consumption);
//  - sqlite_readers.h: the pool of read connections behind every read.
// Records are encoded by stream::RecordEncoder on the caller's thread, so that the single writer
// only runs statements. Nothing is acknowledged, streamed to consumers or reported as committed
// before it is durable.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/data_dir_guard.h"
#include "store/job_store.h"
#include "store/sqlite_store_options.h"
#include "stream/record_encoder.h"

namespace jobstream::store {

namespace sqlite {
class ReaderPool;
class SpaceAdmission;
class Writer;
struct EncodedJob;
}  // namespace sqlite
class WalCheckpointer;

class SqliteJobStore final : public JobStore {
 public:
  // Opens (creating if needed) <data_dir>/jobs.db and starts the writer thread.
  static Result<std::unique_ptr<SqliteJobStore>> Open(SqliteStoreOptions options);
  ~SqliteJobStore() override;

  void InsertJob(Job job, WriteDone done) override;
  void InsertJobs(std::vector<Job> jobs, WriteDone done) override;
  void UpdateConsumerState(const Job& current, std::string consumer, ConsumerState state, UpdateDone done) override;
  void WriteItem(std::string id, ItemMutation mutate, ItemWriteDone done) override;
  Result<JobListing> ListJobs(std::string_view status, std::string_view before_id, std::size_t limit) override;
  Result<std::vector<std::string>> ScanItems(std::string_view after_id, std::size_t limit) override;
  Result<std::int64_t> CountItems() override;
  Result<Job> GetJob(std::string_view id) override;
  Result<std::string> GetJobJson(std::string_view id) override;
  Result<std::vector<stream::StreamRecord>> ReadStream(int shard, std::int64_t after_sequence,
                                                       std::size_t limit) override;
  Result<ShardBounds> ReadShardBounds(int shard) override;
  Result<std::string> ReadRecord(std::int64_t sequence) override;
  Result<std::int64_t> LoadCheckpoint(std::string_view consumer, int shard) override;
  void SaveCheckpoint(std::string consumer, int shard, std::int64_t sequence, WriteDone done) override;
  void SetTrimConsumers(std::vector<std::string> consumers) override;
  void SetCommitListener(CommitListener listener) override;
  int shard_count() const override { return shards_; }
  const AwsAccount& account() const override { return encoder_->account(); }
  const stream::RecordEncoder& record_encoder() const override { return *encoder_; }
  Status Readiness() const override;
  void Close() override;

  // Runs a trim pass now (tests; the writer also trims every trim_interval). Blocks until done.
  Status TrimNow(SystemTime now);
  // The statement ListJobs runs (for the test that proves it reads an index, not the table).
  static std::string ListJobsSql(bool by_status, bool before_id);

 private:
  explicit SqliteJobStore(SqliteStoreOptions options);
  Status Initialize();
  sqlite::EncodedJob Encode(Job& job) const;

  // Held from before the database is opened until after everything is closed (destroyed last).
  std::unique_ptr<DataDirLock> lock_;

  // Constant after construction (Initialize).
  SqliteStoreOptions options_;
  std::filesystem::path db_path_;
  int shards_ = 4;
  std::unique_ptr<const stream::RecordEncoder> encoder_;  // the account and table as stored

  std::unique_ptr<sqlite::SpaceAdmission> admission_;  // used by the writer thread (and SQLite's WAL hook)
  std::unique_ptr<WalCheckpointer> checkpointer_;      // set in Initialize, before the writer starts
  std::unique_ptr<sqlite::ReaderPool> readers_;
  std::unique_ptr<sqlite::Writer> writer_;  // destroyed first: its threads use the rest
};

}  // namespace jobstream::store
