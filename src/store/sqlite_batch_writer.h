// The first half of the SQLite backend's group commit: applies a batch of queued writes in one
// transaction on the writer thread and commits it to the log (the sync pipeline then makes it
// durable). Owns the writer's connection, its prepared statements and the sequence counter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite_admission.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_store_options.h"
#include "store/sqlite_write_ops.h"
#include "stream/record_encoder.h"

namespace jobstream::store::sqlite {

// Writer thread only (after construction).
class BatchWriter {
 public:
  // `encoder` and `admission` are not owned and outlive the writer.
  BatchWriter(std::unique_ptr<Connection> connection, const SqliteStoreOptions& options, const RecoveredState& state,
              const stream::RecordEncoder& encoder, SpaceAdmission& admission);

  Status PreparedStatus() const;
  Connection& connection() { return *connection_; }
  SpaceAdmission& admission() { return admission_; }
  std::int64_t last_sequence() const { return last_sequence_; }

  // Shards that received records in the transaction being applied.
  using TouchedShards = std::vector<bool>;
  // Applies a batch in one transaction and commits it; per-op outcomes land in the ops. A batch
  // that failed for want of room says kUnavailable (see ApplyEachAlone).
  Status ApplyBatch(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers, TouchedShards& touched);
  // After a batch failed for want of room: refuses its new jobs, applies each other write alone.
  Status ApplyEachAlone(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers, TouchedShards& touched);
  // After a commit: advances each shard's last sequence and the space account and, for a
  // listener, takes the records the batch appended (their text moves out of the ops, which need
  // it no more); null when there is nothing to hand over.
  std::shared_ptr<const CommittedRecords> CollectRecords(std::vector<Op>& ops, const TouchedShards& touched,
                                                         bool for_listener);
  // A bounded store's pages in use now (measured before every batch).
  std::int64_t UsedBytes();

 private:
  // How ops are isolated from each other inside one transaction. kFast runs each op's
  // statements bare: an op whose first statement fails (a duplicate id, a stale version) left
  // nothing behind, so it needs no savepoint. An op failing after a change (an I/O error on its
  // second statement) cannot be undone alone: the batch is rolled back and applied again in
  // kSavepoints, where every op is wrapped in its own savepoint (as multi-job inserts always are).
  enum class Isolation { kFast, kSavepoints };
  // Each returns false when the op failed half-way in kFast (the batch is retried with savepoints).
  bool ApplyInsert(InsertOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  bool ApplyUpdate(UpdateOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  bool ApplyItemWrite(ItemWriteOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched);
  void ApplyCheckpoint(CheckpointOp& op);
  void ApplyTrim(TrimOp& op, const std::vector<std::string>& trim_consumers, std::int64_t sequence);
  Status AppendRecord(std::string_view event_name, const std::string& job_id, stream::EncodedRecord& record,
                      Appended& appended, std::int64_t& sequence, TouchedShards& touched);

  // Constant after construction.
  const SqliteStoreOptions& options_;
  const int shards_;
  const stream::RecordEncoder& encoder_;

  std::unique_ptr<Connection> connection_;
  Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
  Statement insert_job_, select_job_, update_job_, update_job_status_, insert_record_, save_checkpoint_, save_sequence_;
  Statement select_item_, replace_item_, delete_item_;  // WriteItem
  Statement used_bytes_;                                // a bounded store's pages in use, measured before every batch
  SpaceAdmission& admission_;
  std::int64_t last_sequence_ = 0;
  std::int64_t saved_sequence_ = 0;                // as stored in meta (0: unknown, save at the next trim)
  std::vector<std::int64_t> shard_last_sequence_;  // per shard, as of the last commit
};

}  // namespace jobstream::store::sqlite
