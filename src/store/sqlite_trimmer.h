// Trimming the SQLite backend's stream: records older than the retention period (or, for a
// bounded store short of room, any record) go once every consumer has passed them, a slice at a
// time so that a backlog never stalls the writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/sqlite_connection.h"

namespace jobstream::store::sqlite {

struct TrimPass {
  SystemTime now;
  std::chrono::seconds retention;
  // Every consumed record goes, whatever its age (like a size-based retention), so that a bounded
  // store frees space for the jobs still running.
  bool beyond_retention = false;
  int shards = 0;
  std::int64_t last_sequence = 0;                       // the newest record's number, in the transaction trimming
  std::int64_t last_committed = 0;                      // the newest committed before it (where bisection starts)
  const std::vector<std::string>* consumers = nullptr;  // whose checkpoints bound the trim
};

// Deletes what `pass` allows inside the writer's open transaction. Sets `more` when it stopped at
// its per-shard slice with more left to trim. Writer thread only.
Status TrimStream(Connection& writer, const TrimPass& pass, bool& more);

}  // namespace jobstream::store::sqlite
