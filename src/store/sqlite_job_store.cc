#include "store/sqlite_job_store.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <exception>
#include <future>
#include <limits>

#include "store/item_format_migration.h"
#include "store/status_column_migration.h"

namespace jobstream::store {
namespace {

// Rowid tables, not WITHOUT ROWID: items (~0.4 KiB) and records (~1 KiB) are far above the
// ~200-byte rows WITHOUT ROWID suits, and there every insert split index pages (measured: ~9 ms
// per 60-write commit; see docs/PERFORMANCE.md). The stream's rowid is its global sequence
// number, so records append at the end of the table.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT NOT NULL UNIQUE,
  item TEXT NOT NULL,          -- the job's item in DynamoDB's typed JSON (store::Job)
  version INTEGER NOT NULL,
  status TEXT                  -- Job::AggregateStatus of item (NULL: not readable as a job); see
                               -- status_column_migration.h, which also creates its index
);
CREATE TABLE IF NOT EXISTS stream (
  seq INTEGER PRIMARY KEY,     -- the record's sequence number (rowid)
  shard INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  event_name TEXT NOT NULL,    -- INSERT | MODIFY | REMOVE (also inside record)
  created_ms INTEGER NOT NULL,
  record TEXT NOT NULL         -- DynamoDB-Streams-shaped record
);
CREATE INDEX IF NOT EXISTS stream_by_shard ON stream (shard, seq);
CREATE TABLE IF NOT EXISTS checkpoints (
  consumer TEXT NOT NULL,
  shard INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (consumer, shard)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// store.max_size_mb bounds the database and its log together; the log's share is this fraction.
constexpr std::uint64_t kLogShareOfBound = 4;
constexpr std::uint64_t kAssumedPageBytes = 4096;  // SQLite's default page size, which we keep
// A log frame is a page plus its 24-byte header; the file starts with a 32-byte header.
constexpr std::uint64_t kLogFrameBytes = kAssumedPageBytes + 24;
constexpr std::uint64_t kLogHeaderBytes = 32;

}  // namespace

// Everything the writer thread owns: its connection, statements and the sequence counter.
class SqliteJobStore::Writer {
 public:
  explicit Writer(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)),
        begin_(connection_->handle(), "BEGIN IMMEDIATE"),
        commit_(connection_->handle(), "COMMIT"),
        rollback_(connection_->handle(), "ROLLBACK"),
        savepoint_(connection_->handle(), "SAVEPOINT op"),
        release_(connection_->handle(), "RELEASE op"),
        rollback_to_(connection_->handle(), "ROLLBACK TO op"),
        insert_job_(connection_->handle(), "INSERT INTO jobs (id, item, version, status) VALUES (?1, ?2, ?3, ?4)"),
        select_job_(connection_->handle(), "SELECT version FROM jobs WHERE id = ?1"),
        update_job_(connection_->handle(), "UPDATE jobs SET item = ?2, version = ?3 WHERE id = ?1 AND version = ?4"),
        update_job_status_(connection_->handle(),
                           "UPDATE jobs SET item = ?2, version = ?3, status = ?5 WHERE id = ?1 AND version = ?4"),
        insert_record_(connection_->handle(),
                       "INSERT INTO stream (shard, seq, job_id, event_name, created_ms, record) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        save_checkpoint_(connection_->handle(),
                         "INSERT INTO checkpoints (consumer, shard, seq) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (consumer, shard) DO UPDATE SET seq = max(seq, excluded.seq)"),
        save_sequence_(connection_->handle(),
                       "INSERT INTO meta (key, value) VALUES ('last_sequence', ?1) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        select_item_(connection_->handle(), "SELECT item FROM jobs WHERE id = ?1"),
        replace_item_(connection_->handle(), "UPDATE jobs SET item = ?2, version = ?3, status = ?4 WHERE id = ?1"),
        delete_item_(connection_->handle(), "DELETE FROM jobs WHERE id = ?1"),
        used_bytes_(
            connection_->handle(),
            "SELECT ((SELECT page_count FROM pragma_page_count()) - "
            "(SELECT freelist_count FROM pragma_freelist_count())) * (SELECT page_size FROM pragma_page_size())") {}

  Status PreparedStatus() const {
    for (const Statement* s : {&begin_, &commit_, &rollback_, &savepoint_, &release_, &rollback_to_, &insert_job_,
                               &select_job_, &update_job_, &update_job_status_, &select_item_, &replace_item_,
                               &delete_item_, &insert_record_, &save_checkpoint_, &save_sequence_, &used_bytes_}) {
      if (!s->status().ok()) return s->status();
    }
    return Status::Ok();
  }

  Connection& connection() { return *connection_; }

 private:
  friend class SqliteJobStore;  // the store's writer-thread methods run these statements
  std::unique_ptr<Connection> connection_;
  Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  Statement insert_job_, select_job_, update_job_, update_job_status_, insert_record_, save_checkpoint_, save_sequence_;
  Statement select_item_, replace_item_, delete_item_;  // WriteItem (sqlite_item_write.cc)
  Statement used_bytes_;                                // a bounded store's pages in use, measured before every batch
  std::int64_t last_sequence_ = 0;
  std::int64_t saved_sequence_ = 0;  // as stored in meta (0: unknown, save at the next trim)
  // Frames in the log after the last commit (SQLite's WAL hook reports them; the log file is
  // reused from its start after a checkpoint restarts it, so its size is the largest count seen).
  int log_frames_ = 0;
};

// A pooled read connection with its statements; used by one thread at a time.
class SqliteJobStore::Reader {
 public:
  explicit Reader(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)),
        get_job_(connection_->handle(), "SELECT item FROM jobs WHERE id = ?1"),
        read_stream_(connection_->handle(),
                     // The job comes with its INSERT record, in the same read transaction: a
                     // consumer's separate read per job cost a read transaction (file locks)
                     // each. The CASE keeps MODIFY records, which consumers mostly skip, lookup-free.
                     "SELECT seq, job_id, created_ms, record, event_name, CASE WHEN event_name = 'INSERT' THEN "
                     "(SELECT item FROM jobs WHERE jobs.id = stream.job_id) END FROM stream WHERE shard = ?1 "
                     "AND seq > ?2 AND seq <= ?4 ORDER BY seq LIMIT ?3"),
        read_record_(connection_->handle(), "SELECT record FROM stream WHERE seq = ?1"),
        load_checkpoint_(connection_->handle(), "SELECT seq FROM checkpoints WHERE consumer = ?1 AND shard = ?2"),
        // One statement, so the trim mark and the records come from one snapshot.
        shard_bounds_(connection_->handle(),
                      "SELECT CAST((SELECT value FROM meta WHERE key = 'trimmed_through/' || ?1) AS INTEGER), "
                      "min(seq), max(seq) FROM stream WHERE shard = ?1 AND seq <= ?2") {}

 private:
  friend class SqliteJobStore;  // the store's read methods run these statements
  std::unique_ptr<Connection> connection_;
  Statement get_job_, read_stream_, read_record_, load_checkpoint_, shard_bounds_;
};

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
  store->writer_thread_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  store->sync_thread_ = std::thread([raw = store.get()] { raw->SyncLoop(); });
  return store;
}

Status SqliteJobStore::Initialize() {
  Status status;
  auto connection = Connection::Open(db_path_, status, options_.sqlite_vfs);
  if (!connection) return status;
  if (sqlite3_db_readonly(connection->handle(), "main") == 1) {
    return Status::IOError(fmt::format("{} opened read-only: the server needs read-write access", db_path_.string()));
  }
  if (status = connection->Execute(kSchema); !status.ok()) return status;
  if (status = MigrateItemFormat(*connection); !status.ok()) return status;
  if (status = MigrateStatusColumn(*connection); !status.ok()) return status;
  // The writer never checkpoints inside a commit; WalCheckpointer does it on its own thread.
  if (status = connection->Execute("PRAGMA wal_autocheckpoint=0"); !status.ok()) return status;
  // COMMIT only appends to the log; the sync thread makes it durable before anything is
  // acknowledged (see the header). NORMAL keeps the database consistent after power loss.
  if (status = connection->Execute("PRAGMA synchronous=NORMAL"); !status.ok()) return status;
  if (options_.max_size_bytes > 0) {
    // Only the writer grows the file (checkpoints copy pages it already counted).
    Statement page_size(connection->handle(), "PRAGMA page_size");
    std::int64_t page_bytes = page_size.Step() ? page_size.ColumnInt(0) : 4096;
    // The bound covers the database and its log together: the log gets a quarter of it (it
    // restarts at an eighth, see below, and its file is reused at that size), the database the rest.
    auto pages = static_cast<std::int64_t>(DatabaseBound() / static_cast<std::uint64_t>(page_bytes));
    Statement limit(connection->handle(), fmt::format("PRAGMA max_page_count = {}", std::max<std::int64_t>(pages, 1)));
    // SQLite never sets the bound below the file's current size; it reports what it set.
    if (limit.Step() && limit.ColumnInt(0) > pages) {
      spdlog::warn("{} is already larger than the configured bound ({} bytes); it may not grow further",
                   db_path_.string(), options_.max_size_bytes);
    }
    if (status = limit.status(); !status.ok()) return status;
  }
  writer_ = std::make_unique<Writer>(std::move(connection));
  int max_log_frames = 0;  // the checkpointer's default
  if (options_.max_size_bytes > 0) {
    max_log_frames = static_cast<int>(
        std::clamp<std::uint64_t>(options_.max_size_bytes / kLogShareOfBound / 2 / kAssumedPageBytes, 16, 16384));
    // The log's share is a hard bound (see LogHasRoom): the writer counts the log's frames
    // itself, and a log left larger by an earlier run without the bound is cut back to the share
    // the first time it restarts.
    sqlite3_wal_hook(
        writer_->connection().handle(),
        [](void* frames, sqlite3* /*db*/, const char* /*schema*/, int log_frames) {
          *static_cast<int*>(frames) = log_frames;
          return SQLITE_OK;
        },
        &writer_->log_frames_);
    if (status = writer_->connection().Execute(fmt::format("PRAGMA journal_size_limit = {}", LogBound()));
        !status.ok()) {
      return status;
    }
  }
  checkpointer_ = WalCheckpointer::Start(db_path_, max_log_frames, status, options_.sqlite_vfs);
  if (!checkpointer_) return status;
  if (status = writer_->PreparedStatus(); !status.ok()) return status;

  // The shard count is part of the data: changing it would move a job's records to another
  // shard and break per-item order, so the stored value wins.
  Statement get_meta(writer_->connection().handle(), "SELECT value FROM meta WHERE key = ?1");
  get_meta.Bind(1, "shards");
  if (get_meta.Step()) {
    int stored = std::stoi(std::string(get_meta.ColumnText(0)));
    if (stored != shards_) {
      spdlog::warn("data directory was created with {} shards; ignoring the configured {}", stored, shards_);
      shards_ = stored;
    }
  } else {
    if (!get_meta.status().ok()) return get_meta.status();
    Statement put(writer_->connection().handle(), "INSERT INTO meta (key, value) VALUES ('shards', ?1)");
    if (status = put.Bind(1, std::to_string(shards_)).Run(); !status.ok()) return status;
  }
  if (status = LoadAccount(); !status.ok()) return status;
  get_meta.Reset();
  get_meta.Bind(1, "last_sequence");
  if (get_meta.Step()) {
    writer_->last_sequence_ = writer_->saved_sequence_ = std::stoll(std::string(get_meta.ColumnText(0)));
  }
  if (status = get_meta.status(); !status.ok()) return status;
  // The newest record holds the last sequence number; meta keeps it only across trims that
  // removed every record (see ApplyTrim), so commits do not rewrite a meta page each.
  Statement newest(writer_->connection().handle(), "SELECT max(seq) FROM stream");
  if (newest.Step() && !newest.ColumnIsNull(0)) {
    writer_->last_sequence_ = std::max(writer_->last_sequence_, newest.ColumnInt(0));
  }
  if (status = newest.status(); !status.ok()) return status;
  if (options_.max_size_bytes > 0) {
    // The reserve of a bounded store counts the jobs still running (one scan at startup).
    Statement unfinished(writer_->connection().handle(),
                         "SELECT count(*) FROM jobs WHERE EXISTS (SELECT 1 FROM json_each(item, '$.job_status.M') "
                         "WHERE json_extract(value, '$.M.status.S') NOT IN ('Success', 'Failure'))");
    if (unfinished.Step()) space_.unfinished_jobs = unfinished.ColumnInt(0);
    if (status = unfinished.status(); !status.ok()) return status;
  }
  // Each shard's newest record: what the first commit's records follow (CommittedRecords).
  shard_last_sequence_.assign(static_cast<std::size_t>(shards_), 0);
  Statement newest_by_shard(writer_->connection().handle(), "SELECT shard, max(seq) FROM stream GROUP BY shard");
  while (newest_by_shard.Step()) {
    std::int64_t shard = newest_by_shard.ColumnInt(0);
    if (shard >= 0 && shard < shards_)
      shard_last_sequence_[static_cast<std::size_t>(shard)] = newest_by_shard.ColumnInt(1);
  }
  if (status = newest_by_shard.status(); !status.ok()) return status;
  // A log left by a crashed process may hold commits that never reached the disk: sync it before
  // anything builds on them.
  std::filesystem::path wal_path = db_path_.string() + "-wal";
  wal_sync_ = options_.open_log_sync ? options_.open_log_sync(wal_path) : std::make_unique<WalFileSync>(wal_path);
#ifdef JOBSTREAM_UNSAFE_SKIP_ACK_SYNC
  spdlog::critical("built with JOBSTREAM_UNSAFE_SKIP_ACK_SYNC: writes are acknowledged before they are durable");
#endif
  if (status = wal_sync_->Sync(/*missing_ok=*/true); !status.ok()) return status;
  durable_sequence_ = writer_->last_sequence_;
  return Status::Ok();
}

SqliteJobStore::~SqliteJobStore() { Close(); }

void SqliteJobStore::NoteFullRefusal() {
  last_full_refusal_.store(options_.clock->SteadyNow().time_since_epoch().count(), std::memory_order_relaxed);
}

Status SqliteJobStore::Readiness() const {
  if (sync_failed_) return Status::IOError("the disk failed to sync the log; restart the server");
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) return Status::Unavailable("the store is shutting down");
  }
  auto refused_at = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_full_refusal_.load(std::memory_order_relaxed)));
  if (refused_at.time_since_epoch().count() != 0 && options_.clock->SteadyNow() - refused_at < kFullRefusalMemory) {
    return StoreFull();
  }
  return Status::Ok();
}

void SqliteJobStore::Close() {
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_ && !writer_thread_.joinable()) return;
    closing_ = true;
  }
  queue_ready_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
  checkpointer_.reset();  // a last checkpoint, then the thread ends
}

Status SqliteJobStore::Enqueue(Op op) {
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) return Status::Unavailable("the store is shutting down");
    if (sync_failed_) return Status::IOError("the disk failed to sync the log; restart the server");
    if (queue_.size() >= options_.max_queue) return Status::Unavailable("the write queue is full");
    queue_.push_back(std::move(op));
  }
  queue_ready_.notify_one();
  return Status::Ok();
}

SqliteJobStore::EncodedJob SqliteJobStore::Encode(Job& job) const {
  job.version = 0;  // as the reference's PutItem writes it
  std::string item_json = job.ToTypedItemJson();
  auto record = EncodeChange(stream::EventName::kInsert, job, item_json, nullptr);
  bool awaits_consumers = !job.consumers.empty();
  return EncodedJob{std::move(job.id), std::move(item_json), job.AggregateStatus(), std::move(record), {},
                    awaits_consumers};
}

stream::EncodedRecord SqliteJobStore::EncodeChange(stream::EventName event_name, const Job& job,
                                                   std::string_view item_json, const Job* old_job) const {
  // The stored item is the typed item: the record's NewImage is the same text.
  std::string typed_old_item;
  if (old_job != nullptr && options_.view_type == stream::StreamViewType::kNewAndOldImages) {
    typed_old_item = old_job->ToTypedItemJson();
  }
  return stream::EncodeRecord(stream::RecordInput{.event_name = event_name,
                                                  .job_id = job.id,
                                                  .created_at = job.updated_at,
                                                  .view_type = options_.view_type,
                                                  .account = &account_,
                                                  .size_bytes = item_json.size(),
                                                  .new_image_json = item_json,
                                                  .old_image_json = typed_old_item});
}

void SqliteJobStore::InsertJob(Job job, WriteDone done) {
  std::vector<EncodedJob> encoded;
  encoded.push_back(Encode(job));
  auto callback = done;
  Status status = Enqueue(InsertOp{std::move(encoded), std::move(done), {}});
  if (!status.ok()) callback(status);
}

void SqliteJobStore::InsertJobs(std::vector<Job> jobs, WriteDone done) {
  std::vector<EncodedJob> encoded;
  encoded.reserve(jobs.size());
  for (Job& job : jobs) encoded.push_back(Encode(job));
  auto callback = done;
  Status status = Enqueue(InsertOp{std::move(encoded), std::move(done), {}});
  if (!status.ok()) callback(status);
}

void SqliteJobStore::UpdateConsumerState(const Job& current, std::string consumer, ConsumerState state,
                                         UpdateDone done) {
  Job written = current;
  written.consumers[consumer] = std::move(state);
  written.version = current.version + 1;
  written.updated_at = options_.clock->Now();
  std::string item_json = written.ToTypedItemJson();
  auto record = EncodeChange(stream::EventName::kModify, written, item_json, &current);
  bool finishes_job = !current.Finished() && written.Finished();
  std::optional<std::string> new_status = written.AggregateStatus();
  if (*new_status == current.AggregateStatus()) new_status.reset();
  auto callback = done;
  Status status = Enqueue(UpdateOp{std::move(written),
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
  Status status =
      Enqueue(ItemWriteOp{std::move(id), std::move(mutate), std::move(done), {}, {}, {}, false, {}, {}, {}});
  if (!status.ok()) callback(ItemWriteOutcome{status, std::nullopt, std::nullopt, false});
}

void SqliteJobStore::SaveCheckpoint(std::string consumer, int shard, std::int64_t sequence, WriteDone done) {
  auto callback = done;
  if (Status status = Enqueue(CheckpointOp{std::move(consumer), shard, sequence, std::move(done), {}}); !status.ok()) {
    if (callback) callback(status);
  }
}

Status SqliteJobStore::TrimNow(SystemTime now) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Status status = Enqueue(TrimOp{now, [&promise](Status s) { promise.set_value(std::move(s)); }, {}, false});
  if (!status.ok()) return status;
  return future.get();
}

void SqliteJobStore::SetTrimConsumers(std::vector<std::string> consumers) {
  std::lock_guard lock(queue_mutex_);
  trim_consumers_ = std::move(consumers);
}

void SqliteJobStore::SetCommitListener(CommitListener listener) {
  std::lock_guard lock(queue_mutex_);
  commit_listener_ = std::move(listener);
}

}  // namespace jobstream::store

namespace jobstream::store {

// A bounded store (store.max_size_mb) admits a job only if everything in use plus the reserve
// for the status writes of every unfinished job stays under this share of the bound; the rest is
// slack for checkpoints, trims and estimates that fell short. Each status write appends a MODIFY
// record and rewrites the item: about what the job's INSERT cost. Records every consumer has
// passed are trimmed early (at most once a second) once kTrimFraction of the bound is in use.
constexpr double kRefuseFraction = 0.9;
constexpr double kTrimFraction = 0.5;
constexpr int kStatusWritesPerConsumer = 2;  // Running (after the grace period), then the outcome

std::int64_t SqliteJobStore::UsedBytes() {
  Statement& pages = writer_->used_bytes_;
  std::int64_t used = pages.Step() ? pages.ColumnInt(0) : 0;
  pages.Reset();
  return used;
}

namespace {

// DynamoDB's StreamLabel: the stream's creation time in UTC, to the millisecond.
std::string StreamLabel(SystemTime when) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<milliseconds>(when.time_since_epoch());
  auto day = floor<days>(sys_time<milliseconds>(since_epoch));
  year_month_day date{day};
  hh_mm_ss time{sys_time<milliseconds>(since_epoch) - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

}  // namespace

// The account id, table name and stream label are fixed when the data directory is created (a
// directory from before they existed gets them at its first start with this version); the
// configured ones only choose them then, as with `shards`.
Status SqliteJobStore::LoadAccount() {
  account_.region = options_.region;
  Statement get_meta(writer_->connection().handle(), "SELECT value FROM meta WHERE key = ?1");
  Statement put_meta(writer_->connection().handle(), "INSERT INTO meta (key, value) VALUES (?1, ?2)");
  auto load = [&](std::string_view key, std::string& value, const std::string& chosen) -> Status {
    get_meta.Reset();
    get_meta.Bind(1, key);
    if (get_meta.Step()) {
      std::string stored(get_meta.ColumnText(0));
      if (key == "table_name" && stored != chosen) {
        spdlog::warn("data directory was created with table name {}; ignoring the configured {}", stored, chosen);
      }
      value = std::move(stored);
      return Status::Ok();
    }
    if (!get_meta.status().ok()) return get_meta.status();
    value = chosen;
    put_meta.Reset();
    return put_meta.Bind(1, key).Bind(2, value).Run();
  };
  account_.id = options_.account_id.empty() ? NewAccountId() : options_.account_id;
  std::string label = StreamLabel(options_.clock->Now());
  if (Status status = load("table_name", account_.table_name, options_.table_name); !status.ok()) return status;
  return load("stream_label", account_.stream_label, label);
}

std::uint64_t SqliteJobStore::DatabaseBound() const {
  return options_.max_size_bytes - options_.max_size_bytes / kLogShareOfBound;
}

std::uint64_t SqliteJobStore::LogBound() const { return options_.max_size_bytes / kLogShareOfBound; }

std::uint64_t SqliteJobStore::LogBytes() const {
  return kLogHeaderBytes + static_cast<std::uint64_t>(writer_->log_frames_) * kLogFrameBytes;
}

// The checkpointer thread restarts the log long before it reaches its share; but a reader can
// hold a restart off and the writer does not wait for it. Past kLogRestartFraction of the share
// the writer restarts the log itself before its next batch (waiting for readers, at most its busy
// timeout), and a new job is admitted only while the log, plus twice what the batch has inserted
// so far, stays under kRefuseFraction of its share: the outcomes of accepted jobs are never
// refused, and fit in the rest.
constexpr double kLogRestartFraction = 0.5;

void SqliteJobStore::KeepLogWithinBound() {
  if (options_.max_size_bytes == 0) return;
  if (static_cast<double>(LogBytes()) < kLogRestartFraction * static_cast<double>(LogBound())) return;
  int rc =
      sqlite3_wal_checkpoint_v2(writer_->connection().handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  if (rc == SQLITE_OK) {
    writer_->log_frames_ = 0;  // the next commit starts the log over
  } else if (rc != SQLITE_BUSY) {
    failed_commits_.Log(fmt::format("WAL restart before a batch failed: {}", writer_->connection().LastError()));
  }
}

std::int64_t SqliteJobStore::InsertBytes(const InsertOp& op) {
  std::int64_t bytes = 0;
  for (const EncodedJob& job : op.jobs)
    bytes += static_cast<std::int64_t>(job.item_json.size() + job.record.json.size());
  return bytes;
}

bool SqliteJobStore::LogHasRoom(const InsertOp& op) const { return LogHasRoomFor(InsertBytes(op)); }

bool SqliteJobStore::LogHasRoomFor(std::int64_t bytes) const {
  if (options_.max_size_bytes == 0) return true;
  double needed = static_cast<double>(LogBytes()) + 2.0 * static_cast<double>(space_.batch_bytes + bytes);
  return needed <= kRefuseFraction * static_cast<double>(LogBound());
}

bool SqliteJobStore::Admits(const InsertOp& op) const {
  return AdmitsNew(InsertBytes(op), static_cast<std::int64_t>(op.jobs.size()));
}

bool SqliteJobStore::AdmitsNew(std::int64_t bytes, std::int64_t new_jobs) const {
  if (options_.max_size_bytes == 0) return true;
  auto jobs = static_cast<double>(space_.unfinished_jobs + space_.batch_jobs + new_jobs);
  // Twice the bytes: rows are stored in whole pages, and big ones fill a page each.
  double reserve = jobs * 2 * space_.job_bytes * kStatusWritesPerConsumer *
                   static_cast<double>(std::max<std::size_t>(space_.consumers, 1));
  double needed = static_cast<double>(space_.used_bytes + space_.batch_bytes + bytes) + reserve;
  return needed <= kRefuseFraction * static_cast<double>(DatabaseBound());
}

void SqliteJobStore::WriterLoop() {
  pthread_setname_np(pthread_self(), "js-writer");
  auto next_trim = options_.clock->SteadyNow() + options_.trim_interval;
  auto next_size_trim = options_.clock->SteadyNow();
  std::vector<Op> batch;
  TouchedShards touched;
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
    if (options_.max_size_bytes > 0) {
      KeepLogWithinBound();
      space_.used_bytes = UsedBytes();
      space_.batch_bytes = 0;
      space_.batch_jobs = 0;
      space_.consumers = trim_consumers.size();
      trim_for_size = static_cast<double>(space_.used_bytes) >= kTrimFraction * static_cast<double>(DatabaseBound()) &&
                      options_.clock->SteadyNow() >= next_size_trim;
    }
    if (trimming || trim_for_size) {
      batch.emplace_back(TrimOp{options_.clock->Now(), nullptr, {}, false, trim_for_size});
      if (trimming) next_trim = options_.clock->SteadyNow() + options_.trim_interval;
      if (trim_for_size) next_size_trim = options_.clock->SteadyNow() + std::chrono::seconds(1);
      trimming = true;
    }
    if (batch.empty()) continue;
    if (sync_failed_) {  // nothing may be written on top of a log whose sync failed
      Acknowledge(batch, Status::IOError("the disk failed to sync the log; restart the server"));
      batch.clear();
      continue;
    }

    Status commit = ApplyBatch(batch, trim_consumers, touched);
    if (commit.code() == StatusCode::kUnavailable) commit = ApplyEachAlone(batch, trim_consumers, touched);
    if (!commit.ok())
      failed_commits_.Log(fmt::format("commit of {} writes failed: {}", batch.size(), commit.message()));
    if (trimming && commit.ok() && std::get<TrimOp>(batch[trim_index]).more) {
      next_trim = options_.clock->SteadyNow() + std::chrono::seconds(1);  // the next slice
    }
    std::shared_ptr<const CommittedRecords> records;
    if (commit.ok()) records = CollectRecords(batch, touched, listener != nullptr);
    CommittedBatch committed{std::move(batch), commit, std::move(records), writer_->last_sequence_,
                             std::move(listener)};
    HandOver(std::move(committed));
    batch = {};
  }
  {
    std::lock_guard lock(sync_mutex_);
    writer_finished_ = true;
  }
  sync_ready_.notify_all();
}

void SqliteJobStore::HandOver(CommittedBatch committed) {
  {
    std::unique_lock lock(sync_mutex_);
    sync_ready_.wait(lock, [this] { return !awaiting_sync_.has_value(); });
    awaiting_sync_ = std::move(committed);
  }
  sync_ready_.notify_all();
}

void SqliteJobStore::SyncLoop() {
  pthread_setname_np(pthread_self(), "js-sync");
  for (;;) {
    CommittedBatch batch;
    {
      std::unique_lock lock(sync_mutex_);
      sync_ready_.wait(lock, [this] { return awaiting_sync_.has_value() || writer_finished_; });
      if (!awaiting_sync_) break;
      batch = std::move(*awaiting_sync_);
      awaiting_sync_.reset();
    }
    sync_ready_.notify_all();  // the writer may hand over its next batch while this one syncs
    Status durable = batch.commit;
    // After one failed sync nothing later may count as durable: the log's checksums chain its
    // frames, so a transaction after a lost one is lost with it on recovery.
    if (durable.ok() && sync_failed_) durable = Status::IOError("an earlier sync of the log failed");
#ifndef JOBSTREAM_UNSAFE_SKIP_ACK_SYNC
    if (durable.ok()) durable = wal_sync_->Sync();
#endif  // else acknowledged before it is durable: only to prove the power-loss test catches it
    if (batch.commit.ok() && !durable.ok()) {
      spdlog::critical("{}; refusing further writes", durable.message());
      sync_failed_ = true;
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

void SqliteJobStore::Acknowledge(std::vector<Op>& ops, const Status& failure) {
  for (Op& op : ops) {
    std::visit(
        [&failure](auto& o) {
          if (!o.done) return;
          Status outcome = failure.ok() ? o.outcome : failure;
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, UpdateOp>) {
            o.done(outcome.ok() ? Result<Job>(std::move(o.written)) : Result<Job>(outcome));
          } else if constexpr (std::is_same_v<std::decay_t<decltype(o)>, ItemWriteOp>) {
            // A refusal keeps the item it saw (ReturnValuesOnConditionCheckFailure); a failed
            // transaction wrote nothing.
            o.done(ItemWriteOutcome{outcome, failure.ok() ? std::move(o.old_item) : std::nullopt,
                                    outcome.ok() ? std::move(o.new_item) : std::nullopt, failure.ok() && o.refused});
          } else {
            o.done(outcome);
          }
        },
        op);
  }
}

// A full store rolls the whole transaction back (single-row writes keep no statement journal),
// so one write that does not fit would fail every write batched with it, again at every retry:
// the status writes of running jobs, checkpoints and trims must not wait behind new jobs. New
// jobs are refused; every other write gets a transaction of its own.
Status SqliteJobStore::ApplyEachAlone(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers,
                                      TouchedShards& touched) {
  TouchedShards all(static_cast<std::size_t>(shards_), false);
  for (Op& op : batch) {
    if (auto* insert = std::get_if<InsertOp>(&op)) {
      insert->outcome = StoreFull();
      NoteFullRefusal();
      continue;
    }
    std::vector<Op> alone;
    alone.push_back(std::move(op));
    Status status = ApplyBatch(alone, trim_consumers, touched);
    op = std::move(alone.front());
    if (!status.ok()) {
      std::visit([&status](auto& o) { o.outcome = status; }, op);
      continue;
    }
    for (std::size_t shard = 0; shard < all.size(); ++shard) all[shard] = all[shard] || touched[shard];
  }
  touched = std::move(all);
  return Status::Ok();  // each write carries its own outcome
}

Status SqliteJobStore::ApplyBatch(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers,
                                  TouchedShards& touched) {
  Writer& w = *writer_;
  Status status = Status::Ok();
  std::int64_t sequence = w.last_sequence_;
  const SpaceAccount space_before = space_;  // a pass rolled back admitted nothing
  for (Isolation isolation : {Isolation::kFast, Isolation::kSavepoints}) {
    space_.batch_bytes = space_before.batch_bytes;
    space_.batch_jobs = space_before.batch_jobs;
    touched.assign(static_cast<std::size_t>(shards_), false);
    sequence = w.last_sequence_;
    if (status = w.begin_.Run(); !status.ok()) return status;
    bool complete = true;
    for (Op& op : batch) {
      std::visit(
          [&](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, InsertOp>) complete = ApplyInsert(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, UpdateOp>) complete = ApplyUpdate(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, ItemWriteOp>) complete = ApplyItemWrite(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, CheckpointOp>) ApplyCheckpoint(o);
            if constexpr (std::is_same_v<T, TrimOp>) ApplyTrim(o, trim_consumers, sequence);
          },
          op);
      // Some failures (SQLITE_FULL, IOERR, NOMEM) make SQLite roll back the whole transaction
      // itself; every later statement would then commit on its own (a job without its record).
      // Stop here: nothing of this batch is in the database, and it fails as a whole.
      if (sqlite3_get_autocommit(w.connection().handle()) != 0) {
        w.saved_sequence_ = 0;
        touched.assign(touched.size(), false);
        // A full store says so (503, retry later) rather than failing as an I/O error.
        const Status& cause = std::visit([](const auto& o) -> const Status& { return o.outcome; }, op);
        if (cause.code() == StatusCode::kUnavailable) return cause;
        return Status::IOError("the transaction was rolled back by the database: " + w.connection().LastError());
      }
      if (!complete) break;
    }
    if (complete) break;
    spdlog::warn("a write failed half-way; applying its batch of {} again with a savepoint per write", batch.size());
    w.saved_sequence_ = 0;
    if (status = w.rollback_.Run(); !status.ok()) return status;
  }
  status = w.commit_.Run();
  if (!status.ok()) {
    (void)w.rollback_.Run();
    w.saved_sequence_ = 0;  // a trim's save may have been rolled back with the rest
    touched.assign(touched.size(), false);
    return status;
  }
  w.last_sequence_ = sequence;
  return Status::Ok();
}

Status SqliteJobStore::AppendRecord(std::string_view event_name, const std::string& job_id,
                                    stream::EncodedRecord& record, Appended& appended, std::int64_t& sequence,
                                    TouchedShards& touched) {
  std::int64_t next = sequence + 1;
  int shard = stream::ShardOf(job_id, shards_);
  std::int64_t created_ms = ToUnixMillis(options_.clock->Now());
  stream::StampSequenceNumber(record, next);
  Status status = writer_->insert_record_.Bind(1, std::int64_t{shard})
                      .Bind(2, next)
                      .Bind(3, job_id)
                      .Bind(4, event_name)
                      .Bind(5, created_ms)
                      .Bind(6, record.json)
                      .Run();
  if (status.ok()) {
    sequence = next;
    touched[static_cast<std::size_t>(shard)] = true;
    appended = Appended{shard, next, created_ms};
  }
  return status;
}

std::shared_ptr<const CommittedRecords> SqliteJobStore::CollectRecords(std::vector<Op>& ops,
                                                                       const TouchedShards& touched,
                                                                       bool for_listener) {
  auto committed = std::make_shared<CommittedRecords>();
  committed->previous_sequence = shard_last_sequence_;
  for (std::size_t shard = 0; shard < touched.size(); ++shard) {
    if (touched[shard]) committed->shards.push_back(static_cast<int>(shard));
  }
  auto take = [&](std::string_view event_name, std::string& job_id, const Appended& appended,
                  stream::EncodedRecord& record, std::string* item_json) {
    shard_last_sequence_[static_cast<std::size_t>(appended.shard)] = appended.sequence;
    if (!for_listener) return;
    stream::StreamRecord taken;
    taken.shard = appended.shard;
    taken.sequence = appended.sequence;
    taken.job_id = std::move(job_id);
    taken.event_name = std::string(event_name);
    taken.created_at = FromUnixMillis(appended.created_ms);
    taken.json = std::move(record.json);
    if (item_json != nullptr) taken.job_item = std::move(*item_json);
    committed->records.push_back(std::move(taken));
  };
  for (Op& op : ops) {
    if (auto* insert = std::get_if<InsertOp>(&op); insert != nullptr && insert->outcome.ok()) {
      for (EncodedJob& job : insert->jobs) {
        auto bytes = static_cast<double>(job.item_json.size() + job.record.json.size());
        space_.job_bytes = 0.99 * space_.job_bytes + 0.01 * bytes;
        if (job.awaits_consumers) space_.unfinished_jobs += 1;
        take("INSERT", job.job_id, job.appended, job.record, &job.item_json);
      }
    } else if (auto* update = std::get_if<UpdateOp>(&op); update != nullptr && update->outcome.ok()) {
      if (update->finishes_job) space_.unfinished_jobs = std::max<std::int64_t>(space_.unfinished_jobs - 1, 0);
      // The written job keeps its id: `done` hands it over.
      std::string job_id = update->written.id;
      take("MODIFY", job_id, update->appended, update->record, nullptr);
    } else if (auto* write = std::get_if<ItemWriteOp>(&op);
               write != nullptr && write->outcome.ok() && !write->event_name.empty()) {
      // Copies: `done` hands the items over after the sync. An INSERT carries its item, as
      // InsertJob's do, so consumers see the new job without reading it.
      std::string job_id = write->id;
      std::string item = write->event_name == "INSERT" && write->new_item ? *write->new_item : std::string();
      take(write->event_name, job_id, write->appended, write->record, item.empty() ? nullptr : &item);
    }
  }
  if (committed->records.empty()) return nullptr;
  return committed;
}

bool SqliteJobStore::ApplyInsert(InsertOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched) {
  Writer& w = *writer_;
  if (!Admits(op) || !LogHasRoom(op)) {
    op.outcome = StoreFull();
    NoteFullRefusal();
    return true;
  }
  // One job's insert undoes itself when its first statement fails; several jobs go all or none.
  bool savepoint = isolation == Isolation::kSavepoints || op.jobs.size() > 1;
  std::int64_t sequence_before = sequence;
  TouchedShards touched_before;
  if (savepoint) {
    touched_before = touched;
    (void)w.savepoint_.Run();
  }
  bool changed = false;
  for (EncodedJob& job : op.jobs) {
    op.outcome =
        w.insert_job_.Bind(1, job.job_id).Bind(2, job.item_json).Bind(3, std::int64_t{0}).Bind(4, job.status).Run();
    if (op.outcome.ok()) {
      changed = true;
      op.outcome = AppendRecord("INSERT", job.job_id, job.record, job.appended, sequence, touched);
    } else if (sqlite3_extended_errcode(w.connection().handle()) == SQLITE_CONSTRAINT_UNIQUE) {
      op.outcome = Status::ConditionFailed("a job with this id exists");
    }
    if (!op.outcome.ok()) break;
  }
  if (op.outcome.ok() && options_.max_size_bytes > 0) {
    for (const EncodedJob& job : op.jobs) {
      space_.batch_bytes += static_cast<std::int64_t>(job.item_json.size() + job.record.json.size());
      space_.batch_jobs += 1;
    }
  }
  if (!savepoint) return op.outcome.ok() || !changed;
  if (op.outcome.ok()) {
    (void)w.release_.Run();
  } else {
    (void)w.rollback_to_.Run();
    (void)w.release_.Run();
    sequence = sequence_before;  // the rolled-back records gave their numbers back
    touched = std::move(touched_before);
  }
  return true;
}

bool SqliteJobStore::ApplyUpdate(UpdateOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched) {
  Writer& w = *writer_;
  const Job& job = op.written;
  bool savepoint = isolation == Isolation::kSavepoints;
  if (savepoint) (void)w.savepoint_.Run();
  // The conditional write itself: it changes a row only if the version is the one read.
  Statement& update = op.new_status ? w.update_job_status_ : w.update_job_;
  if (op.new_status) update.Bind(5, *op.new_status);
  Status status = update.Bind(1, job.id).Bind(2, op.item_json).Bind(3, job.version).Bind(4, job.version - 1).Run();
  bool changed = status.ok() && sqlite3_changes(w.connection().handle()) > 0;
  if (status.ok() && !changed) {
    w.select_job_.Bind(1, job.id);
    bool exists = w.select_job_.Step();
    std::int64_t stored = exists ? w.select_job_.ColumnInt(0) : 0;
    status = w.select_job_.status();
    w.select_job_.Reset();
    if (status.ok()) {
      status = exists ? Status::ConditionFailed(fmt::format("version is {}, expected {}", stored, job.version - 1))
                      : Status::NotFound("Job not found");
    }
  } else if (status.ok()) {
    status = AppendRecord("MODIFY", job.id, op.record, op.appended, sequence, touched);
  }
  op.outcome = status;
  if (!savepoint) return status.ok() || !changed;
  (void)(status.ok() ? w.release_.Run() : (w.rollback_to_.Run(), w.release_.Run()));
  return true;
}

bool SqliteJobStore::ApplyItemWrite(ItemWriteOp& op, Isolation isolation, std::int64_t& sequence,
                                    TouchedShards& touched) {
  Writer& w = *writer_;
  op.old_item.reset();  // from an earlier pass over the batch, rolled back
  op.new_item.reset();
  op.refused = false;
  op.event_name.clear();
  bool savepoint = isolation == Isolation::kSavepoints;
  if (savepoint) (void)w.savepoint_.Run();
  w.select_item_.Bind(1, op.id);
  if (w.select_item_.Step()) op.old_item = std::string(w.select_item_.ColumnText(0));
  Status status = w.select_item_.status();
  w.select_item_.Reset();
  bool changed = false;
  if (status.ok()) {
    ItemDecision decision;
    bool threw = false;
    try {
      decision = op.mutate(op.old_item ? &*op.old_item : nullptr);
    } catch (const std::exception& error) {
      // The caller's code on the one writer thread: whatever it throws fails this write alone
      // instead of ending the thread every write depends on.
      decision = ItemDecision::Refuse(Status::Internal(std::string("an item write failed: ") + error.what()));
      threw = true;
    }
    switch (decision.action) {
      case ItemDecision::Action::kKeep:
        op.new_item = op.old_item;
        break;
      case ItemDecision::Action::kRefuse:
        status = decision.refusal.ok() ? Status::Internal("a refusal without a reason") : decision.refusal;
        op.refused = !threw;
        break;
      case ItemDecision::Action::kPut: {
        const boost::json::value* id = decision.item.if_contains(kIdAttribute);
        auto version = ItemVersion(decision.item);
        if (id == nullptr || *id != boost::json::value(boost::json::object{{"S", op.id}})) {
          status = Status::Internal("an item write changed the item's id");
        } else if (!version.ok()) {
          status = version.error();
        } else {
          op.new_item = boost::json::serialize(decision.item);
          // A new item is a new job: admitted to a bounded store as POST /jobs's are (its record
          // costs about what the item does).
          const auto bytes = static_cast<std::int64_t>(2 * op.new_item->size());
          if (!op.old_item && (!AdmitsNew(bytes, 1) || !LogHasRoomFor(bytes))) {
            NoteFullRefusal();
            status = StoreFull();
            break;
          }
          if (!op.old_item && options_.max_size_bytes > 0) {
            space_.batch_bytes += bytes;
            space_.batch_jobs += 1;
          }
          // The status column follows the item whoever wrote it (NULL: not readable as a job).
          Statement& write = op.old_item ? w.replace_item_ : w.insert_job_;
          if (auto job_status = AggregateStatusOfItem(decision.item)) {
            write.Bind(4, *job_status);
          } else {
            write.BindNull(4);
          }
          status = write.Bind(1, op.id).Bind(2, *op.new_item).Bind(3, *version).Run();
          changed = status.ok();
          op.event_name = op.old_item ? "MODIFY" : "INSERT";
        }
        break;
      }
      case ItemDecision::Action::kDelete:
        if (!op.old_item) break;  // nothing to delete: no change, no record (as DynamoDB)
        status = w.delete_item_.Bind(1, op.id).Run();
        changed = status.ok();
        op.event_name = "REMOVE";
        break;
    }
  }
  if (changed) {
    const bool remove = op.event_name == "REMOVE";
    const bool old_image = op.old_item && (remove || options_.view_type == stream::StreamViewType::kNewAndOldImages);
    op.record = stream::EncodeRecord(stream::RecordInput{
        .event_name = remove ? stream::EventName::kRemove
                             : (op.event_name == "INSERT" ? stream::EventName::kInsert : stream::EventName::kModify),
        .job_id = op.id,
        .created_at = options_.clock->Now(),
        .view_type = options_.view_type,
        .account = &account_,
        .size_bytes = remove ? op.old_item->size() : op.new_item->size(),
        .new_image_json = remove ? std::string_view() : std::string_view(*op.new_item),
        .old_image_json = old_image ? std::string_view(*op.old_item) : std::string_view()});
    status = AppendRecord(op.event_name, op.id, op.record, op.appended, sequence, touched);
  }
  if (!status.ok()) op.event_name.clear();
  op.outcome = status;
  if (!savepoint) return status.ok() || !changed;
  (void)(status.ok() ? w.release_.Run() : (w.rollback_to_.Run(), w.release_.Run()));
  return true;
}

void SqliteJobStore::ApplyCheckpoint(CheckpointOp& op) {
  op.outcome =
      writer_->save_checkpoint_.Bind(1, op.consumer).Bind(2, std::int64_t{op.shard}).Bind(3, op.sequence).Run();
}

// Records a trim deletes per shard and transaction: a backlog (a day of records at full speed)
// is removed a slice at a time, the next slice a second later, instead of stalling the writer.
constexpr std::int64_t kTrimSlice = 20000;

void SqliteJobStore::ApplyTrim(TrimOp& op, const std::vector<std::string>& trim_consumers, std::int64_t sequence) {
  sqlite3* db = writer_->connection().handle();
  // Sequence numbers never go back: a trim may remove the newest record, which is where the last
  // number is otherwise read from at startup. Saved first, and only when it moved (no write
  // while idle).
  if (sequence != writer_->saved_sequence_) {
    op.outcome = writer_->save_sequence_.Bind(1, std::to_string(sequence)).Run();
    if (!op.outcome.ok()) return;
    writer_->saved_sequence_ = sequence;
  }
  // Only records older than the retention period go, and they are a prefix of the stream: bound
  // the deletes by sequence number so they walk the (shard, seq) index over exactly the records
  // they remove. (Testing created_ms on every consumed record took ~1.5 s per minute at 12k
  // jobs/s, stalling every commit behind it.) Beyond retention, every consumed record may go.
  std::int64_t cutoff =
      op.beyond_retention ? std::numeric_limits<std::int64_t>::max() : ToUnixMillis(op.now - options_.retention);
  auto expired_end = op.beyond_retention ? Result<std::int64_t>(sequence) : LastSequenceBefore(cutoff);
  if (!expired_end.ok()) {
    op.outcome = expired_end.error();
    return;
  }
  if (*expired_end == 0) return;
  Statement checkpoint(db, "SELECT seq FROM checkpoints WHERE consumer = ?1 AND shard = ?2");
  Statement slice_end(db, "SELECT seq FROM stream WHERE shard = ?1 AND seq <= ?2 ORDER BY seq LIMIT 1 OFFSET ?3");
  Statement trim(db, "DELETE FROM stream WHERE shard = ?1 AND seq <= ?2 AND created_ms < ?3");
  // Each shard's trim mark, for readers that must tell trimmed records from numbers that were
  // never in the shard (sequence numbers are shared by all shards): see ReadShardBounds.
  Statement last_trimmed(db, "SELECT max(seq) FROM stream WHERE shard = ?1 AND seq <= ?2 AND created_ms < ?3");
  Statement mark_trimmed(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('trimmed_through/' || ?1, ?2)");
  std::int64_t removed = 0;
  for (int shard = 0; shard < shards_; ++shard) {
    // Only records every consumer has passed may go: the lowest checkpoint bounds the trim.
    std::int64_t bound = *expired_end;
    for (const std::string& consumer : trim_consumers) {
      checkpoint.Bind(1, consumer).Bind(2, std::int64_t{shard});
      std::int64_t position = checkpoint.Step() ? checkpoint.ColumnInt(0) : 0;
      checkpoint.Reset();
      bound = std::min(bound, position);
    }
    slice_end.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, kTrimSlice - 1);
    if (slice_end.Step()) {
      bound = slice_end.ColumnInt(0);
      op.more = true;
    }
    slice_end.Reset();
    last_trimmed.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, cutoff);
    if (last_trimmed.Step() && !last_trimmed.ColumnIsNull(0)) {
      op.outcome = mark_trimmed.Bind(1, std::int64_t{shard}).Bind(2, std::to_string(last_trimmed.ColumnInt(0))).Run();
    }
    if (!last_trimmed.status().ok()) op.outcome = last_trimmed.status();
    last_trimmed.Reset();
    if (!op.outcome.ok()) return;
    op.outcome = trim.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, cutoff).Run();
    if (!op.outcome.ok()) return;
    removed += sqlite3_changes(db);
  }
  if (removed > 0 && op.beyond_retention) {
    spdlog::info("trimmed {} consumed stream records to stay under store.max_size_mb", removed);
  } else if (removed > 0) {
    spdlog::info("trimmed {} stream records older than the retention period", removed);
  }
}

Result<std::int64_t> SqliteJobStore::LastSequenceBefore(std::int64_t cutoff_ms) {
  sqlite3* db = writer_->connection().handle();
  Statement first_from(db, "SELECT seq, created_ms FROM stream WHERE seq >= ?1 ORDER BY seq LIMIT 1");
  // Invariant: `older` is 0 or a record created before the cutoff; no record at or after `newer`
  // is older than the cutoff, nor (clock jumps aside) any record between them we have not probed.
  std::int64_t older = 0;
  std::int64_t newer = writer_->last_sequence_ + 1;
  while (newer - older > 1) {
    std::int64_t middle = older + (newer - older) / 2;
    first_from.Bind(1, middle);
    bool found = first_from.Step();
    std::int64_t seq = found ? first_from.ColumnInt(0) : 0;
    std::int64_t created = found ? first_from.ColumnInt(1) : 0;
    Status status = first_from.status();
    first_from.Reset();
    if (!status.ok()) return status;
    if (found && seq < newer && created < cutoff_ms) {
      older = seq;
    } else {
      newer = middle;  // records in [middle, seq) do not exist; seq and later are recent
    }
  }
  return older;
}

std::unique_ptr<SqliteJobStore::Reader> SqliteJobStore::AcquireReader(Status& status) {
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      auto reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  auto connection = Connection::Open(db_path_, status, options_.sqlite_vfs);
  if (!connection) return nullptr;
  auto reader = std::make_unique<Reader>(std::move(connection));
  for (const Statement* s : {&reader->get_job_, &reader->read_stream_, &reader->read_record_, &reader->load_checkpoint_,
                             &reader->shard_bounds_}) {
    if (!s->status().ok()) {
      status = s->status();
      return nullptr;
    }
  }
  return reader;
}

void SqliteJobStore::ReleaseReader(std::unique_ptr<Reader> reader) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(reader));
}

template <typename Key>
Result<std::string> SqliteJobStore::ReadText(Statement Reader::*query, const Key& key, std::string_view not_found) {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  Statement& read = (*reader).*query;
  read.Bind(1, key);
  Result<std::string> result = Status::NotFound(std::string(not_found));
  if (read.Step()) {
    result = std::string(read.ColumnText(0));
  } else if (!read.status().ok()) {
    result = read.status();
  }
  read.Reset();
  ReleaseReader(std::move(reader));
  return result;
}

Result<std::string> SqliteJobStore::GetJobJson(std::string_view id) {
  return ReadText(&Reader::get_job_, id, "Job not found");
}

std::string SqliteJobStore::ListJobsSql(bool by_status, bool before_id) {
  // Index (status, id) with a status, the id's own (UNIQUE) index without: both walked backwards
  // from the cursor, so a page reads `limit` + 1 index entries and their rows, whatever the table
  // holds. One row beyond the page tells whether another follows.
  return fmt::format("SELECT id, item FROM jobs{}{}{} ORDER BY id DESC LIMIT ?3",
                     by_status || before_id ? " WHERE " : "", by_status ? "status = ?1" : "",
                     before_id ? (by_status ? " AND id < ?2" : "id < ?2") : "");
}

Result<JobListing> SqliteJobStore::ListJobs(std::string_view status, std::string_view before_id, std::size_t limit) {
  Status failure;
  auto reader = AcquireReader(failure);
  if (!reader) return failure;
  // Prepared per listing, as scans are: a few microseconds beside reading a page of items.
  Statement list(reader->connection_->handle(), ListJobsSql(!status.empty(), !before_id.empty()));
  if (!status.empty()) list.Bind(1, status);
  if (!before_id.empty()) list.Bind(2, before_id);
  list.Bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int32_t>::max()) + 1));
  JobListing listing;
  while (list.Step()) {
    if (listing.jobs.size() == limit) {
      listing.more = true;
      break;
    }
    listing.jobs.push_back({std::string(list.ColumnText(0)), std::string(list.ColumnText(1))});
  }
  Result<JobListing> result = std::move(listing);
  if (!list.status().ok()) result = list.status();
  list.Reset();
  ReleaseReader(std::move(reader));
  return result;
}

Result<std::vector<std::string>> SqliteJobStore::ScanItems(std::string_view after_id, std::size_t limit) {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  // Prepared per scan (a few microseconds): scans are rare next to point reads.
  Statement scan(reader->connection_->handle(), "SELECT item FROM jobs WHERE id > ?1 ORDER BY id LIMIT ?2");
  scan.Bind(1, after_id).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::string> items;
  while (scan.Step()) items.emplace_back(scan.ColumnText(0));
  Result<std::vector<std::string>> result = std::move(items);
  if (!scan.status().ok()) result = scan.status();
  scan.Reset();
  ReleaseReader(std::move(reader));
  return result;
}

Result<std::int64_t> SqliteJobStore::CountItems() {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  Statement count(reader->connection_->handle(), "SELECT count(*) FROM jobs");
  Result<std::int64_t> result = count.Step() ? Result<std::int64_t>(count.ColumnInt(0)) : Result<std::int64_t>(0);
  if (!count.status().ok()) result = count.status();
  count.Reset();
  ReleaseReader(std::move(reader));
  return result;
}

Result<Job> SqliteJobStore::GetJob(std::string_view id) {
  auto json = GetJobJson(id);
  if (!json.ok()) return json.error();
  return Job::FromItemJson(*json);
}

Result<std::vector<stream::StreamRecord>> SqliteJobStore::ReadStream(int shard, std::int64_t after_sequence,
                                                                     std::size_t limit) {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  Statement& read = reader->read_stream_;
  // Records committed but not yet synced stay invisible: consumers act on durable changes only.
  read.Bind(1, std::int64_t{shard})
      .Bind(2, after_sequence)
      .Bind(3, static_cast<std::int64_t>(limit))
      .Bind(4, durable_sequence_.load(std::memory_order_acquire));
  std::vector<stream::StreamRecord> records;
  while (read.Step()) {
    stream::StreamRecord record;
    record.shard = shard;
    record.sequence = read.ColumnInt(0);
    record.job_id = std::string(read.ColumnText(1));
    record.created_at = FromUnixMillis(read.ColumnInt(2));
    record.json = std::string(read.ColumnText(3));
    record.event_name = std::string(read.ColumnText(4));
    record.job_item = std::string(read.ColumnText(5));
    records.push_back(std::move(record));
  }
  status = read.status();
  read.Reset();
  ReleaseReader(std::move(reader));
  if (!status.ok()) return status;
  return records;
}

Result<ShardBounds> SqliteJobStore::ReadShardBounds(int shard) {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  Statement& read = reader->shard_bounds_;
  read.Bind(1, std::int64_t{shard}).Bind(2, durable_sequence_.load(std::memory_order_acquire));
  ShardBounds bounds;
  if (read.Step()) {
    if (!read.ColumnIsNull(0)) bounds.trimmed_through = read.ColumnInt(0);
    if (!read.ColumnIsNull(1)) bounds.first = read.ColumnInt(1);
    if (!read.ColumnIsNull(2)) bounds.last = read.ColumnInt(2);
  }
  status = read.status();
  read.Reset();
  ReleaseReader(std::move(reader));
  if (!status.ok()) return status;
  return bounds;
}

Result<std::string> SqliteJobStore::ReadRecord(std::int64_t sequence) {
  return ReadText(&Reader::read_record_, sequence, "the record was trimmed");
}

Result<std::int64_t> SqliteJobStore::LoadCheckpoint(std::string_view consumer, int shard) {
  Status status;
  auto reader = AcquireReader(status);
  if (!reader) return status;
  Statement& load = reader->load_checkpoint_;
  load.Bind(1, consumer).Bind(2, std::int64_t{shard});
  std::int64_t position = load.Step() ? load.ColumnInt(0) : 0;
  status = load.status();
  load.Reset();
  ReleaseReader(std::move(reader));
  if (!status.ok()) return status;
  return position;
}

}  // namespace jobstream::store
