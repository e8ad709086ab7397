// The jobs table and its change stream, behind an interface a PostgreSQL backend will implement.
//
// Contract shared by every backend:
//  - Every change to a job appends exactly one stream record in the same transaction.
//  - A write's completion callback runs only after the transaction is durable (fsync'd).
//  - Reads never wait for the writer and see only committed data.
//  - Sequence numbers grow strictly within a shard.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/aws_account.h"
#include "common/result.h"
#include "store/item_write.h"
#include "store/job.h"
#include "stream/record_encoder.h"
#include "stream/stream_record.h"

namespace jobstream::store {

using WriteDone = std::function<void(Status)>;
using UpdateDone = std::function<void(Result<Job>)>;
// What one durable commit appended to the stream, so that listeners (the consumers) can take new
// records from memory instead of reading them back from the store.
struct CommittedRecords {
  std::vector<int> shards;  // the shards that received records, ascending
  // Indexed by shard: its last sequence number before this commit (0: none known, as after a
  // restart that found the shard empty). A reader of a shard positioned exactly there has seen
  // everything before this commit's records; any other reader reads the store instead.
  std::vector<std::int64_t> previous_sequence;
  std::vector<stream::StreamRecord> records;  // in sequence order; INSERT records carry job_item
};
// What one shard of the stream keeps, as sequence numbers (0: none).
struct ShardBounds {
  std::int64_t trimmed_through = 0;  // the highest ever trimmed from the shard
  std::int64_t first = 0;            // its oldest kept record
  std::int64_t last = 0;             // its newest durable record
};
// One page of JobStore::ListJobs.
struct JobListing {
  struct Entry {
    std::string id;
    std::string item;  // the item's typed JSON text, as GetJobJson returns it
  };
  std::vector<Entry> jobs;  // greatest id (newest) first
  bool more = false;        // further jobs match after the last one
};
// Runs after each durable commit that appended records, on the store's sync thread.
using CommitListener = std::function<void(const std::shared_ptr<const CommittedRecords>& committed)>;

// Thread-safe. Completion callbacks run on the backend's commit (sync) thread: keep them short and
// hand real work to another executor.
class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts a new job (version 0) with its INSERT record. Fails if the id exists.
  virtual void InsertJob(Job job, WriteDone done) = 0;
  // Inserts several jobs atomically: all of them with their records, or none.
  virtual void InsertJobs(std::vector<Job> jobs, WriteDone done) = 0;

  // Conditional write: sets one consumer's state on `current` (the job as the caller read it),
  // if the stored version still equals current.version (else kConditionFailed; kNotFound if the
  // job is gone); bumps version and updatedAt and appends a MODIFY record. Returns the job as
  // written.
  virtual void UpdateConsumerState(const Job& current, std::string consumer, ConsumerState state, UpdateDone done) = 0;

  // One item's atomic read-decide-write (store/item_write.h): `mutate` runs on the writer inside
  // the transaction; the decided item is written (the version column kept equal to its
  // `version`, ItemVersion's rule enforced) with its INSERT, MODIFY or REMOVE record.
  virtual void WriteItem(std::string id, ItemMutation mutate, ItemWriteDone done) = 0;

  // The latest committed job, or kNotFound.
  virtual Result<Job> GetJob(std::string_view id) = 0;
  // The latest committed job's item as its typed JSON text (as stored and streamed).
  virtual Result<std::string> GetJobJson(std::string_view id) = 0;

  // Up to `limit` jobs whose overall status (Job::AggregateStatus) is `status` (empty: any job),
  // with ids below `before_id` (empty: from the greatest), greatest id first: ids are
  // time-ordered, so newest first. An indexed read: its cost follows `limit`, not the table.
  virtual Result<JobListing> ListJobs(std::string_view status, std::string_view before_id, std::size_t limit) = 0;

  // Up to `limit` items (typed JSON text) with ids greater than `after_id`, in id order.
  virtual Result<std::vector<std::string>> ScanItems(std::string_view after_id, std::size_t limit) = 0;
  // How many items the table holds (one count over the id index).
  virtual Result<std::int64_t> CountItems() = 0;

  // Up to `limit` records of `shard` with sequence > after_sequence, in order; INSERT records
  // carry their job's current item (StreamRecord::job_item).
  virtual Result<std::vector<stream::StreamRecord>> ReadStream(int shard, std::int64_t after_sequence,
                                                               std::size_t limit) = 0;

  // The shard's trim mark and its oldest kept and newest durable records, read in one snapshot.
  virtual Result<ShardBounds> ReadShardBounds(int shard) = 0;

  // One record's JSON by its sequence number (kNotFound once trimmed).
  virtual Result<std::string> ReadRecord(std::int64_t sequence) = 0;

  // A consumer's durable position in a shard (0 when it never checkpointed).
  virtual Result<std::int64_t> LoadCheckpoint(std::string_view consumer, int shard) = 0;
  virtual void SaveCheckpoint(std::string consumer, int shard, std::int64_t sequence, WriteDone done) = 0;

  // Consumers whose checkpoints gate trimming (records are trimmed only once all consumed them).
  virtual void SetTrimConsumers(std::vector<std::string> consumers) = 0;

  virtual void SetCommitListener(CommitListener listener) = 0;
  virtual int shard_count() const = 0;
  // The account and table this store is (fixed when its data directory was created).
  virtual const AwsAccount& account() const = 0;
  // The encoder of this store's stream records (its account, table and view type): what judges a
  // new job's record before it is written (the consumers' initial states) builds it the same way.
  virtual const stream::RecordEncoder& record_encoder() const = 0;
  // Ok while new jobs would be accepted; otherwise why not (a failed sync, a full store, closing).
  // For GET /readyz: cheap, no I/O.
  virtual Status Readiness() const = 0;

  // Finishes queued writes (their callbacks run), then stops accepting new ones (kUnavailable).
  virtual void Close() = 0;
};

}  // namespace jobstream::store
