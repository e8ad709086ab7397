#include "store/sqlite_schema.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

#include "store/data_dir_guard.h"
#include "store/item_format_migration.h"
#include "store/status_column_migration.h"

namespace jobstream::store::sqlite {
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

// The account id, table name and stream label are fixed when the data directory is created (a
// directory from before they existed gets them at its first start with this version); the
// configured ones only choose them then, as with `shards`.
Status LoadAccount(Connection& writer, const SqliteStoreOptions& options, AwsAccount& account) {
  account.region = options.region;
  Statement get_meta(writer.handle(), "SELECT value FROM meta WHERE key = ?1");
  Statement put_meta(writer.handle(), "INSERT INTO meta (key, value) VALUES (?1, ?2)");
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
  account.id = options.account_id.empty() ? NewAccountId() : options.account_id;
  std::string label = StreamLabel(options.clock->Now());
  if (Status status = load("table_name", account.table_name, options.table_name); !status.ok()) return status;
  return load("stream_label", account.stream_label, label);
}

}  // namespace

Status PrepareDatabase(Connection& writer, const SqliteStoreOptions& options, std::uint64_t database_bound) {
  Status status;
  if (status = writer.Execute(kSchema); !status.ok()) return status;
  if (status = MigrateItemFormat(writer); !status.ok()) return status;
  if (status = MigrateStatusColumn(writer); !status.ok()) return status;
  // The writer never checkpoints inside a commit; WalCheckpointer does it on its own thread.
  if (status = writer.Execute("PRAGMA wal_autocheckpoint=0"); !status.ok()) return status;
  // COMMIT only appends to the log; the sync pipeline makes it durable before anything is
  // acknowledged (sqlite_sync_pipeline.h). NORMAL keeps the database consistent after power loss.
  if (status = writer.Execute("PRAGMA synchronous=NORMAL"); !status.ok()) return status;
  if (database_bound == 0) return Status::Ok();
  // Only the writer grows the file (checkpoints copy pages it already counted).
  Statement page_size(writer.handle(), "PRAGMA page_size");
  std::int64_t page_bytes = page_size.Step() ? page_size.ColumnInt(0) : 4096;
  auto pages = static_cast<std::int64_t>(database_bound / static_cast<std::uint64_t>(page_bytes));
  Statement limit(writer.handle(), fmt::format("PRAGMA max_page_count = {}", std::max<std::int64_t>(pages, 1)));
  // SQLite never sets the bound below the file's current size; it reports what it set.
  if (limit.Step() && limit.ColumnInt(0) > pages) {
    spdlog::warn("{} is already larger than the configured bound ({} bytes); it may not grow further",
                 (options.data_dir / kDatabaseFile).string(), options.max_size_bytes);
  }
  return limit.status();
}

Result<RecoveredState> RecoverState(Connection& writer, const SqliteStoreOptions& options) {
  RecoveredState state;
  state.shards = options.shards;
  Status status;
  // The shard count is part of the data: changing it would move a job's records to another
  // shard and break per-item order, so the stored value wins.
  Statement get_meta(writer.handle(), "SELECT value FROM meta WHERE key = ?1");
  get_meta.Bind(1, "shards");
  if (get_meta.Step()) {
    int stored = std::stoi(std::string(get_meta.ColumnText(0)));
    if (stored != state.shards) {
      spdlog::warn("data directory was created with {} shards; ignoring the configured {}", stored, state.shards);
      state.shards = stored;
    }
  } else {
    if (!get_meta.status().ok()) return get_meta.status();
    Statement put(writer.handle(), "INSERT INTO meta (key, value) VALUES ('shards', ?1)");
    if (status = put.Bind(1, std::to_string(state.shards)).Run(); !status.ok()) return status;
  }
  if (status = LoadAccount(writer, options, state.account); !status.ok()) return status;
  get_meta.Reset();
  get_meta.Bind(1, "last_sequence");
  if (get_meta.Step()) state.last_sequence = state.saved_sequence = std::stoll(std::string(get_meta.ColumnText(0)));
  if (status = get_meta.status(); !status.ok()) return status;
  // The newest record holds the last sequence number; meta keeps it only across trims that
  // removed every record (see Transaction::ApplyTrim), so commits do not rewrite a meta page each.
  Statement newest(writer.handle(), "SELECT max(seq) FROM stream");
  if (newest.Step() && !newest.ColumnIsNull(0))
    state.last_sequence = std::max(state.last_sequence, newest.ColumnInt(0));
  if (status = newest.status(); !status.ok()) return status;
  if (options.max_size_bytes > 0) {
    // The reserve of a bounded store counts the jobs still running (one scan at startup).
    Statement unfinished(writer.handle(),
                         "SELECT count(*) FROM jobs WHERE EXISTS (SELECT 1 FROM json_each(item, '$.job_status.M') "
                         "WHERE json_extract(value, '$.M.status.S') NOT IN ('Success', 'Failure'))");
    if (unfinished.Step()) state.unfinished_jobs = unfinished.ColumnInt(0);
    if (status = unfinished.status(); !status.ok()) return status;
  }
  // Each shard's newest record: what the first commit's records follow (CommittedRecords).
  state.shard_last_sequence.assign(static_cast<std::size_t>(state.shards), 0);
  Statement newest_by_shard(writer.handle(), "SELECT shard, max(seq) FROM stream GROUP BY shard");
  while (newest_by_shard.Step()) {
    std::int64_t shard = newest_by_shard.ColumnInt(0);
    if (shard >= 0 && shard < state.shards) {
      state.shard_last_sequence[static_cast<std::size_t>(shard)] = newest_by_shard.ColumnInt(1);
    }
  }
  if (status = newest_by_shard.status(); !status.ok()) return status;
  return state;
}

}  // namespace jobstream::store::sqlite
