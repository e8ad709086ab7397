// The embedded backend: SQLite in WAL mode, one writer thread doing group commit.
//
// Every write is queued to the writer thread. The writer takes everything queued (up to
// max_batch), applies it in one transaction, commits once (one fsync covers them all, as in
// LevelDB's DBImpl::Write), then runs each write's callback. Reads use a pool of separate
// connections and never wait for the writer (WAL snapshot isolation).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include "store/job_store.h"
#include "store/sqlite_connection.h"
#include "store/wal_checkpointer.h"

namespace jobstream::store {

struct SqliteStoreOptions {
  std::filesystem::path data_dir;
  int shards = 4;  // fixed when the data directory is created; a different value is ignored
  stream::StreamViewType view_type = stream::StreamViewType::kNewImage;
  std::chrono::seconds retention{24 * 3600};
  std::chrono::seconds trim_interval{60};
  std::string region = "us-east-1";
  std::size_t max_batch = 1024;    // writes per transaction
  std::size_t max_queue = 100000;  // queued writes beyond this are refused (kUnavailable)
};

class SqliteJobStore final : public JobStore {
 public:
  // Opens (creating if needed) <data_dir>/jobs.db and starts the writer thread.
  static Result<std::unique_ptr<SqliteJobStore>> Open(SqliteStoreOptions options);
  ~SqliteJobStore() override;

  void InsertJob(Job job, WriteDone done) override;
  void InsertJobs(std::vector<Job> jobs, WriteDone done) override;
  void UpdateConsumerState(const Job& current, std::string consumer, ConsumerState state, UpdateDone done) override;
  Result<Job> GetJob(std::string_view id) override;
  Result<std::string> GetJobJson(std::string_view id) override;
  Result<std::vector<stream::StreamRecord>> ReadStream(int shard, std::int64_t after_sequence,
                                                       std::size_t limit) override;
  Result<std::int64_t> LoadCheckpoint(std::string_view consumer, int shard) override;
  void SaveCheckpoint(std::string consumer, int shard, std::int64_t sequence, WriteDone done) override;
  void SetTrimConsumers(std::vector<std::string> consumers) override;
  void SetCommitListener(CommitListener listener) override;
  int shard_count() const override { return shards_; }
  void Close() override;

  // Runs a trim pass now (tests; the writer also trims every trim_interval). Blocks until done.
  Status TrimNow(SystemTime now);

 private:
  // Writes arrive fully encoded (item JSON, record JSON awaiting its sequence number): the
  // JSON work happens on the caller's thread, and the single writer only runs statements.
  struct EncodedJob {
    std::string job_id;
    std::string item_json;
    stream::EncodedRecord record;
  };
  struct InsertOp {
    std::vector<EncodedJob> jobs;  // inserted together or not at all
    WriteDone done;
    Status outcome;
  };
  struct UpdateOp {
    Job written;  // the job as it will be once the write succeeds
    std::string item_json;
    stream::EncodedRecord record;
    UpdateDone done;
    Result<Job> outcome = Status::Internal("not applied");
  };
  struct CheckpointOp {
    std::string consumer;
    int shard;
    std::int64_t sequence;
    WriteDone done;
    Status outcome;
  };
  struct TrimOp {
    SystemTime now;
    WriteDone done;
    Status outcome;
  };
  using Op = std::variant<InsertOp, UpdateOp, CheckpointOp, TrimOp>;

  class Writer;
  class Reader;

  explicit SqliteJobStore(SqliteStoreOptions options);
  Status Initialize();
  Status Enqueue(Op op);
  void WriterLoop();
  // Applies a batch in one transaction on the writer thread; per-op outcomes land in the ops.
  Status ApplyBatch(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers, std::set<int>& touched);
  void ApplyInsert(InsertOp& op, std::int64_t& sequence, std::set<int>& touched);
  EncodedJob Encode(Job& job) const;
  void ApplyUpdate(UpdateOp& op, std::int64_t& sequence, std::set<int>& touched);
  void ApplyCheckpoint(CheckpointOp& op);
  void ApplyTrim(TrimOp& op, const std::vector<std::string>& trim_consumers);
  Status AppendRecord(std::string_view event_name, const std::string& job_id, stream::EncodedRecord& record,
                      std::int64_t& sequence, std::set<int>& touched);
  std::unique_ptr<Reader> AcquireReader(Status& status);
  void ReleaseReader(std::unique_ptr<Reader> reader);

  // Constant after construction.
  SqliteStoreOptions options_;
  std::filesystem::path db_path_;
  int shards_ = 4;

  // Owned by the writer thread only (after Initialize).
  std::unique_ptr<Writer> writer_;

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Op> queue_;                     // GUARDED_BY(queue_mutex_)
  bool closing_ = false;                     // GUARDED_BY(queue_mutex_)
  CommitListener commit_listener_;           // GUARDED_BY(queue_mutex_); copied by the writer
  std::vector<std::string> trim_consumers_;  // GUARDED_BY(queue_mutex_)

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;  // GUARDED_BY(readers_mutex_)

  std::unique_ptr<WalCheckpointer> checkpointer_;  // set in Initialize, before the writer starts
  std::thread writer_thread_;
};

}  // namespace jobstream::store
