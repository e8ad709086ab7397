// `jobstream check`: is a data directory's store whole and consistent?
//
// SQLite's own integrity check, then the invariants the store keeps (docs/ARCHITECTURE.md): every
// item readable and agreeing with its row, every stream record in a known shard and of a known
// job, no consumer checkpoint ahead of the stream. Reads only; safe beside a running server (it
// reads one consistent snapshot).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace jobstream::store {

struct CheckReport {
  std::vector<std::string> problems;  // empty: the store is consistent
  std::int64_t jobs = 0;
  std::int64_t records = 0;
  std::int64_t checkpoints = 0;
  int shards = 0;
};

// kNotFound when there is no database in `data_dir`; otherwise the report (problems found are
// part of a successful check, not an error).
Result<CheckReport> CheckStore(const std::filesystem::path& data_dir);

}  // namespace jobstream::store
