// The writes queued to the SQLite backend's writer thread, and a batch of them once committed.
//
// Writes arrive fully encoded (item JSON, record JSON awaiting its sequence number): the JSON
// work happens on the caller's thread, and the single writer only runs statements. Each op
// carries its callback and, once applied, its outcome; the sync pipeline runs the callback after
// the commit is durable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "store/item_write.h"
#include "store/job.h"
#include "store/job_store.h"
#include "stream/stream_record.h"

namespace jobstream::store::sqlite {

// Where the writer appended a record (set once the record is in the transaction).
struct Appended {
  int shard = 0;
  std::int64_t sequence = 0;
  std::int64_t created_ms = 0;
};
struct EncodedJob {
  std::string job_id;
  std::string item_json;
  std::string status;  // Job::AggregateStatus, kept in the jobs table's status column
  stream::EncodedRecord record;
  Appended appended;
  bool awaits_consumers = false;  // some consumer will write its state (a bounded store reserves room)
};
struct InsertOp {
  std::vector<EncodedJob> jobs;  // inserted together or not at all
  WriteDone done;
  Status outcome;
};
struct UpdateOp {
  Job written;  // the job as it will be once the write succeeds; handed to `done` then
  std::string item_json;
  // Set only when the write changes the job's overall status (Job::AggregateStatus): most
  // outcome writes leave it as it was, and then the status column and its index stay untouched.
  std::optional<std::string> new_status;
  stream::EncodedRecord record;
  Appended appended;
  bool finishes_job = false;  // the job's last consumer reaches Success/Failure with this write
  UpdateDone done;
  Status outcome;
};
// WriteItem: unlike the others decided on the writer thread (BatchWriter::ApplyItemWrite),
// since the decision depends on the item as committed; its record is encoded there too.
struct ItemWriteOp {
  std::string id;
  ItemMutation mutate;
  ItemWriteDone done;
  Status outcome;
  // Set by the writer.
  std::optional<std::string> old_item;
  std::optional<std::string> new_item;
  bool refused = false;    // the mutation refused: outcome is its refusal
  std::string event_name;  // of the record appended; empty when nothing was written
  stream::EncodedRecord record;
  Appended appended;
};
struct CheckpointOp {
  std::string consumer;
  int shard;
  std::int64_t sequence;
  WriteDone done;
  Status outcome;
};
struct TrimOp {
  SystemTime now;
  WriteDone done;
  Status outcome;
  bool more = false;  // set when it stopped at its per-shard bound with more left to trim
  // A bounded store past its trim fraction (SpaceAdmission::WantsEarlyTrim): every consumed
  // record goes, whatever its age (like a size-based retention), so that space frees for the
  // jobs still running.
  bool beyond_retention = false;
};
using Op = std::variant<InsertOp, UpdateOp, ItemWriteOp, CheckpointOp, TrimOp>;

// A transaction the writer committed to the log, waiting for the sync pipeline.
struct CommittedBatch {
  std::vector<Op> ops;
  Status commit;                                    // the COMMIT's outcome; a failed one needs no sync
  std::shared_ptr<const CommittedRecords> records;  // for the listener; null when none
  std::int64_t last_sequence = 0;
  CommitListener listener;
};

// Runs the ops' callbacks: with their own outcomes when `failure` is ok, else all with `failure`.
void Acknowledge(std::vector<Op>& ops, const Status& failure);

}  // namespace jobstream::store::sqlite
