// The SQLite backend's tables, and what the store recovers from them when it opens: the schema
// and its migrations, the settings fixed when the data directory was created (shards, account,
// table), and where the stream left off.
#pragma once

#include <cstdint>
#include <vector>

#include "common/aws_account.h"
#include "common/result.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_store_options.h"

namespace jobstream::store::sqlite {

// Creates the tables if missing, migrates older layouts and sets the writer connection's
// pragmas (no automatic checkpoints, synchronous=NORMAL, the page bound of a bounded store:
// `database_bound` bytes, 0 for none).
Status PrepareDatabase(Connection& writer, const SqliteStoreOptions& options, std::uint64_t database_bound);

// What an opened store starts from.
struct RecoveredState {
  int shards = 0;                                 // as stored (the configured count only for a new data directory)
  AwsAccount account;                             // id, table and stream label as stored; the region as configured
  std::int64_t last_sequence = 0;                 // the highest sequence number ever given out
  std::int64_t saved_sequence = 0;                // as kept in meta (0: none)
  std::vector<std::int64_t> shard_last_sequence;  // per shard, its newest record (0: none)
  std::int64_t unfinished_jobs = 0;               // bounded stores only: jobs some consumer has still to finish
};
// Reads (and for a new data directory, stores) the meta settings and the stream's positions.
Result<RecoveredState> RecoverState(Connection& writer, const SqliteStoreOptions& options);

}  // namespace jobstream::store::sqlite
