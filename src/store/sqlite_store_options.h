// How the SQLite backend is configured (store.* in the configuration file).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/clock.h"
#include "store/wal_file_sync.h"
#include "stream/stream_record.h"

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

}  // namespace jobstream::store
