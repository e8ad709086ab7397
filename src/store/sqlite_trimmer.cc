#include "store/sqlite_trimmer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "common/result.h"

namespace jobstream::store::sqlite {
namespace {

// Records a trim deletes per shard and transaction: a backlog (a day of records at full speed)
// is removed a slice at a time, the next slice a second later, instead of stalling the writer.
constexpr std::int64_t kTrimSlice = 20000;

// The newest sequence number of a record created before `cutoff_ms` (0: none), found by
// bisection over sequence numbers: records are appended in time order.
Result<std::int64_t> LastSequenceBefore(sqlite3* db, std::int64_t cutoff_ms, std::int64_t last_committed) {
  Statement first_from(db, "SELECT seq, created_ms FROM stream WHERE seq >= ?1 ORDER BY seq LIMIT 1");
  // Invariant: `older` is 0 or a record created before the cutoff; no record at or after `newer`
  // is older than the cutoff, nor (clock jumps aside) any record between them we have not probed.
  std::int64_t older = 0;
  std::int64_t newer = last_committed + 1;
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

}  // namespace

Status TrimStream(Connection& writer, const TrimPass& pass, bool& more) {
  sqlite3* db = writer.handle();
  // Only records older than the retention period go, and they are a prefix of the stream: bound
  // the deletes by sequence number so they walk the (shard, seq) index over exactly the records
  // they remove. (Testing created_ms on every consumed record took ~1.5 s per minute at 12k
  // jobs/s, stalling every commit behind it.) Beyond retention, every consumed record may go.
  std::int64_t cutoff =
      pass.beyond_retention ? std::numeric_limits<std::int64_t>::max() : ToUnixMillis(pass.now - pass.retention);
  auto expired_end = pass.beyond_retention ? Result<std::int64_t>(pass.last_sequence)
                                           : LastSequenceBefore(db, cutoff, pass.last_committed);
  if (!expired_end.ok()) return expired_end.error();
  if (*expired_end == 0) return Status::Ok();
  Statement checkpoint(db, "SELECT seq FROM checkpoints WHERE consumer = ?1 AND shard = ?2");
  Statement slice_end(db, "SELECT seq FROM stream WHERE shard = ?1 AND seq <= ?2 ORDER BY seq LIMIT 1 OFFSET ?3");
  Statement trim(db, "DELETE FROM stream WHERE shard = ?1 AND seq <= ?2 AND created_ms < ?3");
  // Each shard's trim mark, for readers that must tell trimmed records from numbers that were
  // never in the shard (sequence numbers are shared by all shards): see ReadShardBounds.
  Statement last_trimmed(db, "SELECT max(seq) FROM stream WHERE shard = ?1 AND seq <= ?2 AND created_ms < ?3");
  Statement mark_trimmed(db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('trimmed_through/' || ?1, ?2)");
  std::int64_t removed = 0;
  Status outcome;
  for (int shard = 0; shard < pass.shards; ++shard) {
    // Only records every consumer has passed may go: the lowest checkpoint bounds the trim.
    std::int64_t bound = *expired_end;
    for (const std::string& consumer : *pass.consumers) {
      checkpoint.Bind(1, consumer).Bind(2, std::int64_t{shard});
      std::int64_t position = checkpoint.Step() ? checkpoint.ColumnInt(0) : 0;
      checkpoint.Reset();
      bound = std::min(bound, position);
    }
    slice_end.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, kTrimSlice - 1);
    if (slice_end.Step()) {
      bound = slice_end.ColumnInt(0);
      more = true;
    }
    slice_end.Reset();
    last_trimmed.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, cutoff);
    if (last_trimmed.Step() && !last_trimmed.ColumnIsNull(0)) {
      outcome = mark_trimmed.Bind(1, std::int64_t{shard}).Bind(2, std::to_string(last_trimmed.ColumnInt(0))).Run();
    }
    if (!last_trimmed.status().ok()) outcome = last_trimmed.status();
    last_trimmed.Reset();
    if (!outcome.ok()) return outcome;
    outcome = trim.Bind(1, std::int64_t{shard}).Bind(2, bound).Bind(3, cutoff).Run();
    if (!outcome.ok()) return outcome;
    removed += sqlite3_changes(db);
  }
  if (removed > 0 && pass.beyond_retention) {
    spdlog::info("trimmed {} consumed stream records to stay under store.max_size_mb", removed);
  } else if (removed > 0) {
    spdlog::info("trimmed {} stream records older than the retention period", removed);
  }
  return Status::Ok();
}

}  // namespace jobstream::store::sqlite
