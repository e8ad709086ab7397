// The SQLite backend's reads: a pool of read connections, each with its prepared statements.
// Reads never wait for the writer (WAL snapshot isolation) and see only committed data; GET may
// show a change up to one sync (about a millisecond) before it is durable, the stream never does
// (its reads stop at the durable sequence number the caller passes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/job_store.h"
#include "store/sqlite_connection.h"

namespace jobstream::store::sqlite {

// Thread-safe: each read takes a connection of its own from the pool (opening one when none is
// idle) and puts it back.
class ReaderPool {
 public:
  ReaderPool(std::filesystem::path db_path, std::string vfs);
  ~ReaderPool();

  // As JobStore's methods of the same names.
  Result<std::string> GetJobJson(std::string_view id);
  Result<JobListing> ListJobs(std::string_view status, std::string_view before_id, std::size_t limit);
  Result<std::vector<std::string>> ScanItems(std::string_view after_id, std::size_t limit);
  Result<std::int64_t> CountItems();
  Result<std::string> ReadRecord(std::int64_t sequence);
  Result<std::int64_t> LoadCheckpoint(std::string_view consumer, int shard);
  // The stream, up to `durable_through` only (records committed but not yet synced stay invisible).
  Result<std::vector<stream::StreamRecord>> ReadStream(int shard, std::int64_t after_sequence, std::size_t limit,
                                                       std::int64_t durable_through);
  Result<ShardBounds> ReadShardBounds(int shard, std::int64_t durable_through);

  // The statement ListJobs runs (for the test that proves it reads an index, not the table).
  static std::string ListJobsSql(bool by_status, bool before_id);

 private:
  class Reader;
  std::unique_ptr<Reader> Acquire(Status& status);
  void Release(std::unique_ptr<Reader> reader);
  // The first column of the one row `query` finds for `key` on a pooled reader, or kNotFound.
  template <typename Key>
  Result<std::string> ReadText(Statement Reader::*query, const Key& key, std::string_view not_found);

  // Constant after construction.
  const std::filesystem::path db_path_;
  const std::string vfs_;

  std::mutex mutex_;
  std::vector<std::unique_ptr<Reader>> idle_;  // GUARDED_BY(mutex_)
};

}  // namespace jobstream::store::sqlite
