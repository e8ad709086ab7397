#include "store/sqlite_readers.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace jobstream::store::sqlite {

// A pooled read connection with its statements; used by one thread at a time.
class ReaderPool::Reader {
 public:
  explicit Reader(std::unique_ptr<Connection> connection)
      : connection(std::move(connection)),
        get_job(this->connection->handle(), "SELECT item FROM jobs WHERE id = ?1"),
        read_stream(this->connection->handle(),
                    // The job comes with its INSERT record, in the same read transaction: a
                    // consumer's separate read per job cost a read transaction (file locks)
                    // each. The CASE keeps MODIFY records, which consumers mostly skip, lookup-free.
                    "SELECT seq, job_id, created_ms, record, event_name, CASE WHEN event_name = 'INSERT' THEN "
                    "(SELECT item FROM jobs WHERE jobs.id = stream.job_id) END FROM stream WHERE shard = ?1 "
                    "AND seq > ?2 AND seq <= ?4 ORDER BY seq LIMIT ?3"),
        read_record(this->connection->handle(), "SELECT record FROM stream WHERE seq = ?1"),
        load_checkpoint(this->connection->handle(), "SELECT seq FROM checkpoints WHERE consumer = ?1 AND shard = ?2"),
        // One statement, so the trim mark and the records come from one snapshot.
        shard_bounds(this->connection->handle(),
                     "SELECT CAST((SELECT value FROM meta WHERE key = 'trimmed_through/' || ?1) AS INTEGER), "
                     "min(seq), max(seq) FROM stream WHERE shard = ?1 AND seq <= ?2") {}

  Status PreparedStatus() const {
    for (const Statement* s : {&get_job, &read_stream, &read_record, &load_checkpoint, &shard_bounds}) {
      if (!s->status().ok()) return s->status();
    }
    return Status::Ok();
  }

  std::unique_ptr<Connection> connection;
  Statement get_job, read_stream, read_record, load_checkpoint, shard_bounds;
};

ReaderPool::ReaderPool(std::filesystem::path db_path, std::string vfs)
    : db_path_(std::move(db_path)), vfs_(std::move(vfs)) {}

ReaderPool::~ReaderPool() = default;

std::unique_ptr<ReaderPool::Reader> ReaderPool::Acquire(Status& status) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  auto connection = Connection::Open(db_path_, status, vfs_);
  if (!connection) return nullptr;
  auto reader = std::make_unique<Reader>(std::move(connection));
  if (status = reader->PreparedStatus(); !status.ok()) return nullptr;
  return reader;
}

void ReaderPool::Release(std::unique_ptr<Reader> reader) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(reader));
}

template <typename Key>
Result<std::string> ReaderPool::ReadText(Statement Reader::*query, const Key& key, std::string_view not_found) {
  Status status;
  auto reader = Acquire(status);
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
  Release(std::move(reader));
  return result;
}

Result<std::string> ReaderPool::GetJobJson(std::string_view id) {
  return ReadText(&Reader::get_job, id, "Job not found");
}

std::string ReaderPool::ListJobsSql(bool by_status, bool before_id) {
  // Index (status, id) with a status, the id's own (UNIQUE) index without: both walked backwards
  // from the cursor, so a page reads `limit` + 1 index entries and their rows, whatever the table
  // holds. One row beyond the page tells whether another follows.
  return fmt::format("SELECT id, item FROM jobs{}{}{} ORDER BY id DESC LIMIT ?3",
                     by_status || before_id ? " WHERE " : "", by_status ? "status = ?1" : "",
                     before_id ? (by_status ? " AND id < ?2" : "id < ?2") : "");
}

Result<JobListing> ReaderPool::ListJobs(std::string_view status, std::string_view before_id, std::size_t limit) {
  Status failure;
  auto reader = Acquire(failure);
  if (!reader) return failure;
  // Prepared per listing, as scans are: a few microseconds beside reading a page of items.
  Statement list(reader->connection->handle(), ListJobsSql(!status.empty(), !before_id.empty()));
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
  Release(std::move(reader));
  return result;
}

Result<std::vector<std::string>> ReaderPool::ScanItems(std::string_view after_id, std::size_t limit) {
  Status status;
  auto reader = Acquire(status);
  if (!reader) return status;
  // Prepared per scan (a few microseconds): scans are rare next to point reads.
  Statement scan(reader->connection->handle(), "SELECT item FROM jobs WHERE id > ?1 ORDER BY id LIMIT ?2");
  scan.Bind(1, after_id).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::string> items;
  while (scan.Step()) items.emplace_back(scan.ColumnText(0));
  Result<std::vector<std::string>> result = std::move(items);
  if (!scan.status().ok()) result = scan.status();
  scan.Reset();
  Release(std::move(reader));
  return result;
}

Result<std::int64_t> ReaderPool::CountItems() {
  Status status;
  auto reader = Acquire(status);
  if (!reader) return status;
  Statement count(reader->connection->handle(), "SELECT count(*) FROM jobs");
  Result<std::int64_t> result = count.Step() ? Result<std::int64_t>(count.ColumnInt(0)) : Result<std::int64_t>(0);
  if (!count.status().ok()) result = count.status();
  count.Reset();
  Release(std::move(reader));
  return result;
}

Result<std::vector<stream::StreamRecord>> ReaderPool::ReadStream(int shard, std::int64_t after_sequence,
                                                                 std::size_t limit, std::int64_t durable_through) {
  Status status;
  auto reader = Acquire(status);
  if (!reader) return status;
  Statement& read = reader->read_stream;
  read.Bind(1, std::int64_t{shard})
      .Bind(2, after_sequence)
      .Bind(3, static_cast<std::int64_t>(limit))
      .Bind(4, durable_through);
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
  Release(std::move(reader));
  if (!status.ok()) return status;
  return records;
}

Result<ShardBounds> ReaderPool::ReadShardBounds(int shard, std::int64_t durable_through) {
  Status status;
  auto reader = Acquire(status);
  if (!reader) return status;
  Statement& read = reader->shard_bounds;
  read.Bind(1, std::int64_t{shard}).Bind(2, durable_through);
  ShardBounds bounds;
  if (read.Step()) {
    if (!read.ColumnIsNull(0)) bounds.trimmed_through = read.ColumnInt(0);
    if (!read.ColumnIsNull(1)) bounds.first = read.ColumnInt(1);
    if (!read.ColumnIsNull(2)) bounds.last = read.ColumnInt(2);
  }
  status = read.status();
  read.Reset();
  Release(std::move(reader));
  if (!status.ok()) return status;
  return bounds;
}

Result<std::string> ReaderPool::ReadRecord(std::int64_t sequence) {
  return ReadText(&Reader::read_record, sequence, "the record was trimmed");
}

Result<std::int64_t> ReaderPool::LoadCheckpoint(std::string_view consumer, int shard) {
  Status status;
  auto reader = Acquire(status);
  if (!reader) return status;
  Statement& load = reader->load_checkpoint;
  load.Bind(1, consumer).Bind(2, std::int64_t{shard});
  std::int64_t position = load.Step() ? load.ColumnInt(0) : 0;
  status = load.status();
  load.Reset();
  Release(std::move(reader));
  if (!status.ok()) return status;
  return position;
}

}  // namespace jobstream::store::sqlite
