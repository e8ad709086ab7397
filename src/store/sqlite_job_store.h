// The embedded backend: SQLite in WAL mode, group commit pipelined over two threads.
//
// Every write is queued to the writer thread. The writer takes everything queued (up to
// max_batch), applies it in one transaction and commits it to the log without waiting for the
// disk, then hands the batch to the sync thread and goes on with the next batch. The sync thread
// fdatasyncs the log (one sync covers every batch committed before it began, as in LevelDB's
// DBImpl::Write), and only then runs each write's callback and tells the commit listener. So
// applying batch N+1 overlaps the disk flush of batch N, and nothing is acknowledged, streamed to
// consumers or reported as committed before it is durable. Reads use a pool of separate
// connections and never wait for the writer (WAL snapshot isolation); GET may show a change up to
// one sync (about a millisecond) before it is durable, the stream never does.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/rate_limited_log.h"
#include "store/data_dir_guard.h"
#include "store/job_store.h"
#include "store/sqlite_connection.h"
#include "store/wal_checkpointer.h"
#include "store/wal_file_sync.h"

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
  // The bound on the database and its write-ahead log together (0: none): the log may use a
  // quarter of it (it restarts at an eighth) and the database three quarters. New jobs that would
  // not fit are refused with kUnavailable; the outcomes of accepted jobs and reads go on.
  std::uint64_t max_size_bytes = 0;
  // Seams for power-loss tests (store/fault_injection_vfs.h): where time comes from, which SQLite
  // VFS opens the files (empty: SQLite's default), and what syncs the log (null: WalFileSync).
  Clock* clock = Clock::Default();  // not owned; outlives the store
  std::string sqlite_vfs{};
  FileSyncFactory open_log_sync{};
  // The data directory's account id (iam/account_id.h; empty: a random one, for tests) and the
  // table's name, fixed when the data directory is created like `shards`; every ARN shows them.
  std::string account_id;
  std::string table_name = "jobs";
};

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
  const AwsAccount& account() const override { return account_; }
  Status Readiness() const override;
  void Close() override;

  // Runs a trim pass now (tests; the writer also trims every trim_interval). Blocks until done.
  Status TrimNow(SystemTime now);
  // The statement ListJobs runs (for the test that proves it reads an index, not the table).
  static std::string ListJobsSql(bool by_status, bool before_id);

 private:
  // Writes arrive fully encoded (item JSON, record JSON awaiting its sequence number): the
  // JSON work happens on the caller's thread, and the single writer only runs statements.
  // Where the writer appended a record (set once the record is in the transaction).
  struct Appended {
    int shard = 0;
    std::int64_t sequence = 0;
    std::int64_t created_ms = 0;
  };
  struct EncodedJob {
    std::string job_id;
    std::string item_json;
    std::string status;  // Job::AggregateStatus, kept in the jobs table's status column
    stream::EncodedRecord record;
    Appended appended;
    bool awaits_consumers = false;  // some consumer will write its state (a bounded store reserves room)
  };
  struct InsertOp {
    std::vector<EncodedJob> jobs;  // inserted together or not at all
    WriteDone done;
    Status outcome;
  };
  struct UpdateOp {
    Job written;  // the job as it will be once the write succeeds; handed to `done` then
    std::string item_json;
    // Set only when the write changes the job's overall status (Job::AggregateStatus): most
    // outcome writes leave it as it was, and then the status column and its index stay untouched.
    std::optional<std::string> new_status;
    stream::EncodedRecord record;
    Appended appended;
    bool finishes_job = false;  // the job's last consumer reaches Success/Failure with this write
    UpdateDone done;
    Status outcome;
  };
  // WriteItem: unlike the others decided on the writer thread (sqlite_item_write.cc), since the
  // decision depends on the item as committed; its record is encoded there too.
  struct ItemWriteOp {
    std::string id;
    ItemMutation mutate;
    ItemWriteDone done;
    Status outcome;
    // Set by the writer.
    std::optional<std::string> old_item;
    std::optional<std::string> new_item;
    bool refused = false;    // the mutation refused: outcome is its refusal
    std::string event_name;  // of the record appended; empty when nothing was written
    stream::EncodedRecord record;
    Appended appended;
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
    bool more = false;  // set when it stopped at its per-shard bound with more left to trim
    // A bounded store past kTrimFraction: every consumed record goes, whatever its age (like a
    // size-based retention), so that space freed for the jobs still running.
    bool beyond_retention = false;
  };
  using Op = std::variant<InsertOp, UpdateOp, ItemWriteOp, CheckpointOp, TrimOp>;
  // A transaction the writer committed to the log, waiting for the sync thread.
  struct CommittedBatch {
    std::vector<Op> ops;
    Status commit;                                    // the COMMIT's outcome; a failed one needs no sync
    std::shared_ptr<const CommittedRecords> records;  // for the listener; null when none
    std::int64_t last_sequence = 0;
    CommitListener listener;
  };

  class Writer;
  class Reader;

  explicit SqliteJobStore(SqliteStoreOptions options);
  Status Initialize();
  Status Enqueue(Op op);
  void WriterLoop();
  // Hands a committed batch to the sync thread; waits while the previous one is not taken yet,
  // so at most one batch is syncing and one waiting while the writer applies a third.
  void HandOver(CommittedBatch committed);
  void SyncLoop();
  // Runs the ops' callbacks with their outcomes, or with `failure` for all of them.
  static void Acknowledge(std::vector<Op>& ops, const Status& failure);
  // Shards that received records in the transaction being applied.
  using TouchedShards = std::vector<bool>;
  // How ops are isolated from each other inside one transaction. kFast runs each op's
  // statements bare: an op whose first statement fails (a duplicate id, a stale version) left
  // nothing behind, so it needs no savepoint. An op failing after a change (an I/O error on its
  // second statement) cannot be undone alone: the batch is rolled back and applied again in
  // kSavepoints, where every op is wrapped in its own savepoint (as multi-job inserts always are).
  enum class Isolation { kFast, kSavepoints };
  // Applies a batch in one transaction on the writer thread; per-op outcomes land in the ops.
  Status ApplyBatch(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers, TouchedShards& touched);
  // After a batch failed for want of room: refuses its new jobs, applies each other write alone.
  Status ApplyEachAlone(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers, TouchedShards& touched);
  // False when the op failed half-way in kFast (the caller retries the batch with savepoints).
  bool ApplyInsert(InsertOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  EncodedJob Encode(Job& job) const;
  // The stream record of a change to `job` whose item text is `item_json` (typed images written on
  // the caller's thread).
  stream::EncodedRecord EncodeChange(stream::EventName event_name, const Job& job, std::string_view item_json,
                                     const Job* old_job) const;
  bool ApplyUpdate(UpdateOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  bool ApplyItemWrite(ItemWriteOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  void ApplyCheckpoint(CheckpointOp& op);
  void ApplyTrim(TrimOp& op, const std::vector<std::string>& trim_consumers, std::int64_t sequence);
  // The newest sequence number of a record created before `cutoff_ms` (0: none), found by
  // bisection over sequence numbers: records are appended in time order.
  Result<std::int64_t> LastSequenceBefore(std::int64_t cutoff_ms);
  Status AppendRecord(std::string_view event_name, const std::string& job_id, stream::EncodedRecord& record,
                      Appended& appended, std::int64_t& sequence, TouchedShards& touched);
  // After a commit: advances shard_last_sequence_ and the space account and, for a listener, takes
  // the records the batch appended (their text moves out of the ops, which need it no more);
  // null when there is nothing to hand over.
  std::shared_ptr<const CommittedRecords> CollectRecords(std::vector<Op>& ops, const TouchedShards& touched,
                                                         bool for_listener);
  std::unique_ptr<Reader> AcquireReader(Status& status);
  // The first column of the one row `query` finds for `key` on a pooled reader, or kNotFound.
  template <typename Key>
  Result<std::string> ReadText(Statement Reader::*query, const Key& key, std::string_view not_found);
  void ReleaseReader(std::unique_ptr<Reader> reader);

  // Held from before the database is opened until after everything is closed (destroyed last).
  std::unique_ptr<DataDirLock> lock_;

  // Constant after construction.
  SqliteStoreOptions options_;
  std::filesystem::path db_path_;
  int shards_ = 4;
  AwsAccount account_;  // from the stored meta (Initialize); constant afterwards

  // Owned by the writer thread only (after Initialize).
  std::unique_ptr<Writer> writer_;
  // Admission to a bounded store (max_size_bytes): a new job is refused (before any SQL) unless
  // the space in use, plus a reserve for the status writes of every unfinished job, stays under
  // kRefuseFraction of the bound. So the jobs accepted can always finish.
  struct SpaceAccount {
    std::int64_t used_bytes = 0;       // pages in use at the start of the batch
    std::int64_t batch_bytes = 0;      // inserted by the batch so far
    std::int64_t batch_jobs = 0;       // admitted by the batch so far (reserved like unfinished ones)
    std::int64_t unfinished_jobs = 0;  // accepted, not yet Success/Failure on every consumer
    double job_bytes = 2048;           // running average of a job's item and INSERT record
    std::size_t consumers = 0;         // whose status writes each job will need
  };
  SpaceAccount space_;
  std::int64_t UsedBytes();  // pages in use (not on the free list), in bytes
  bool Admits(const InsertOp& op) const;
  // Admits for `new_jobs` new items of `bytes` (item and record) in all, as an API PutItem's.
  bool AdmitsNew(std::int64_t bytes, std::int64_t new_jobs) const;
  static std::int64_t InsertBytes(const InsertOp& op);
  Status LoadAccount();  // account_ from meta, stored there first if absent
  // The database's share of max_size_bytes, and the log's (the rest).
  std::uint64_t DatabaseBound() const;
  std::uint64_t LogBound() const;
  std::uint64_t LogBytes() const;  // the log file's size as of the last commit
  // A bounded store's log: restarted by the writer itself when the checkpointer could not keep
  // it short, and refusing new jobs (not outcomes) when full. See sqlite_job_store.cc.
  void KeepLogWithinBound();
  bool LogHasRoom(const InsertOp& op) const;
  bool LogHasRoomFor(std::int64_t bytes) const;
  std::vector<std::int64_t> shard_last_sequence_;  // per shard, as of the last commit

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Op> queue_;                     // GUARDED_BY(queue_mutex_)
  bool closing_ = false;                     // GUARDED_BY(queue_mutex_)
  CommitListener commit_listener_;           // GUARDED_BY(queue_mutex_); copied by the writer
  std::vector<std::string> trim_consumers_;  // GUARDED_BY(queue_mutex_)

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;  // GUARDED_BY(readers_mutex_)

  std::mutex sync_mutex_;
  std::condition_variable sync_ready_;
  std::optional<CommittedBatch> awaiting_sync_;  // GUARDED_BY(sync_mutex_)
  bool writer_finished_ = false;                 // GUARDED_BY(sync_mutex_)
  // Highest sequence number known durable: the stream is read only up to here.
  std::atomic<std::int64_t> durable_sequence_{0};
  // When a new job was last refused for want of room (steady clock ticks; 0: never). The store
  // counts as not ready for kFullRefusalMemory after it, then ready again so that clients (or a
  // load balancer, which sends nothing to an instance it thinks unready) try again.
  static constexpr auto kFullRefusalMemory = std::chrono::seconds(2);
  std::atomic<std::int64_t> last_full_refusal_{0};
  void NoteFullRefusal();
  // Set when a sync failed: what the kernel dropped cannot be told apart from what it kept
  // (fsync errors are not sticky), so the store refuses every later write until restarted.
  std::atomic<bool> sync_failed_{false};

  RateLimitedLog failed_commits_{spdlog::level::err};  // a full disk fails every commit: one line per interval
  std::unique_ptr<WalCheckpointer> checkpointer_;      // set in Initialize, before the writer starts
  std::unique_ptr<FileSync> wal_sync_;                 // used by the sync thread (and Initialize)
  std::thread writer_thread_;
  std::thread sync_thread_;
};

}  // namespace jobstream::store
