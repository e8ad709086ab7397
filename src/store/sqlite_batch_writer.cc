#include "store/sqlite_batch_writer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>
#include <type_traits>

#include "store/sqlite_trimmer.h"

namespace jobstream::store::sqlite {

BatchWriter::BatchWriter(std::unique_ptr<Connection> connection, const SqliteStoreOptions& options,
                         const RecoveredState& state, const stream::RecordEncoder& encoder, SpaceAdmission& admission)
    : options_(options),
      shards_(state.shards),
      encoder_(encoder),
      connection_(std::move(connection)),
      begin_(connection_->handle(), "BEGIN IMMEDIATE"),
      commit_(connection_->handle(), "COMMIT"),
      rollback_(connection_->handle(), "ROLLBACK"),
      savepoint_(connection_->handle(), "SAVEPOINT op"),
      release_(connection_->handle(), "RELEASE op"),
      rollback_to_(connection_->handle(), "ROLLBACK TO op"),
      insert_job_(connection_->handle(), "INSERT INTO jobs (id, item, version, status) VALUES (?1, ?2, ?3, ?4)"),
      select_job_(connection_->handle(), "SELECT version FROM jobs WHERE id = ?1"),
      update_job_(connection_->handle(), "UPDATE jobs SET item = ?2, version = ?3 WHERE id = ?1 AND version = ?4"),
      update_job_status_(connection_->handle(),
                         "UPDATE jobs SET item = ?2, version = ?3, status = ?5 WHERE id = ?1 AND version = ?4"),
      insert_record_(connection_->handle(),
                     "INSERT INTO stream (shard, seq, job_id, event_name, created_ms, record) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      save_checkpoint_(connection_->handle(),
                       "INSERT INTO checkpoints (consumer, shard, seq) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (consumer, shard) DO UPDATE SET seq = max(seq, excluded.seq)"),
      save_sequence_(connection_->handle(),
                     "INSERT INTO meta (key, value) VALUES ('last_sequence', ?1) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      select_item_(connection_->handle(), "SELECT item FROM jobs WHERE id = ?1"),
      replace_item_(connection_->handle(), "UPDATE jobs SET item = ?2, version = ?3, status = ?4 WHERE id = ?1"),
      delete_item_(connection_->handle(), "DELETE FROM jobs WHERE id = ?1"),
      used_bytes_(connection_->handle(),
                  "SELECT ((SELECT page_count FROM pragma_page_count()) - "
                  "(SELECT freelist_count FROM pragma_freelist_count())) * (SELECT page_size FROM pragma_page_size())"),
      admission_(admission),
      last_sequence_(state.last_sequence),
      saved_sequence_(state.saved_sequence),
      shard_last_sequence_(state.shard_last_sequence) {}

Status BatchWriter::PreparedStatus() const {
  for (const Statement* s : {&begin_, &commit_, &rollback_, &savepoint_, &release_, &rollback_to_, &insert_job_,
                             &select_job_, &update_job_, &update_job_status_, &select_item_, &replace_item_,
                             &delete_item_, &insert_record_, &save_checkpoint_, &save_sequence_, &used_bytes_}) {
    if (!s->status().ok()) return s->status();
  }
  return Status::Ok();
}

std::int64_t BatchWriter::UsedBytes() {
  std::int64_t used = used_bytes_.Step() ? used_bytes_.ColumnInt(0) : 0;
  used_bytes_.Reset();
  return used;
}

// A full store rolls the whole transaction back (single-row writes keep no statement journal),
// so one write that does not fit would fail every write batched with it, again at every retry:
// the status writes of running jobs, checkpoints and trims must not wait behind new jobs. New
// jobs are refused; every other write gets a transaction of its own.
Status BatchWriter::ApplyEachAlone(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers,
                                   TouchedShards& touched) {
  TouchedShards all(static_cast<std::size_t>(shards_), false);
  for (Op& op : batch) {
    if (auto* insert = std::get_if<InsertOp>(&op)) {
      insert->outcome = StoreFull();
      admission_.NoteRefusal();
      continue;
    }
    std::vector<Op> alone;
    alone.push_back(std::move(op));
    Status status = ApplyBatch(alone, trim_consumers, touched);
    op = std::move(alone.front());
    if (!status.ok()) {
      std::visit([&status](auto& o) { o.outcome = status; }, op);
      continue;
    }
    for (std::size_t shard = 0; shard < all.size(); ++shard) all[shard] = all[shard] || touched[shard];
  }
  touched = std::move(all);
  return Status::Ok();  // each write carries its own outcome
}

Status BatchWriter::ApplyBatch(std::vector<Op>& batch, const std::vector<std::string>& trim_consumers,
                               TouchedShards& touched) {
  Status status = Status::Ok();
  std::int64_t sequence = last_sequence_;
  const SpaceAdmission::BatchMark admitted_before = admission_.Mark();  // a pass rolled back admitted nothing
  for (Isolation isolation : {Isolation::kFast, Isolation::kSavepoints}) {
    admission_.Rewind(admitted_before);
    touched.assign(static_cast<std::size_t>(shards_), false);
    sequence = last_sequence_;
    if (status = begin_.Run(); !status.ok()) return status;
    bool complete = true;
    for (Op& op : batch) {
      std::visit(
          [&](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, InsertOp>) complete = ApplyInsert(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, UpdateOp>) complete = ApplyUpdate(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, ItemWriteOp>) complete = ApplyItemWrite(o, isolation, sequence, touched);
            if constexpr (std::is_same_v<T, CheckpointOp>) ApplyCheckpoint(o);
            if constexpr (std::is_same_v<T, TrimOp>) ApplyTrim(o, trim_consumers, sequence);
          },
          op);
      // Some failures (SQLITE_FULL, IOERR, NOMEM) make SQLite roll back the whole transaction
      // itself; every later statement would then commit on its own (a job without its record).
      // Stop here: nothing of this batch is in the database, and it fails as a whole.
      if (sqlite3_get_autocommit(connection_->handle()) != 0) {
        saved_sequence_ = 0;
        touched.assign(touched.size(), false);
        // A full store says so (503, retry later) rather than failing as an I/O error.
        const Status& cause = std::visit([](const auto& o) -> const Status& { return o.outcome; }, op);
        if (cause.code() == StatusCode::kUnavailable) return cause;
        return Status::IOError("the transaction was rolled back by the database: " + connection_->LastError());
      }
      if (!complete) break;
    }
    if (complete) break;
    spdlog::warn("a write failed half-way; applying its batch of {} again with a savepoint per write", batch.size());
    saved_sequence_ = 0;
    if (status = rollback_.Run(); !status.ok()) return status;
  }
  status = commit_.Run();
  if (!status.ok()) {
    (void)rollback_.Run();
    saved_sequence_ = 0;  // a trim's save may have been rolled back with the rest
    touched.assign(touched.size(), false);
    return status;
  }
  last_sequence_ = sequence;
  return Status::Ok();
}

Status BatchWriter::AppendRecord(std::string_view event_name, const std::string& job_id, stream::EncodedRecord& record,
                                 Appended& appended, std::int64_t& sequence, TouchedShards& touched) {
  std::int64_t next = sequence + 1;
  int shard = stream::ShardOf(job_id, shards_);
  std::int64_t created_ms = ToUnixMillis(options_.clock->Now());
  stream::StampSequenceNumber(record, next);
  Status status = insert_record_.Bind(1, std::int64_t{shard})
                      .Bind(2, next)
                      .Bind(3, job_id)
                      .Bind(4, event_name)
                      .Bind(5, created_ms)
                      .Bind(6, record.json)
                      .Run();
  if (status.ok()) {
    sequence = next;
    touched[static_cast<std::size_t>(shard)] = true;
    appended = Appended{shard, next, created_ms};
  }
  return status;
}

std::shared_ptr<const CommittedRecords> BatchWriter::CollectRecords(std::vector<Op>& ops, const TouchedShards& touched,
                                                                    bool for_listener) {
  auto committed = std::make_shared<CommittedRecords>();
  committed->previous_sequence = shard_last_sequence_;
  for (std::size_t shard = 0; shard < touched.size(); ++shard) {
    if (touched[shard]) committed->shards.push_back(static_cast<int>(shard));
  }
  auto take = [&](std::string_view event_name, std::string& job_id, const Appended& appended,
                  stream::EncodedRecord& record, std::string* item_json) {
    shard_last_sequence_[static_cast<std::size_t>(appended.shard)] = appended.sequence;
    if (!for_listener) return;
    stream::StreamRecord taken;
    taken.shard = appended.shard;
    taken.sequence = appended.sequence;
    taken.job_id = std::move(job_id);
    taken.event_name = std::string(event_name);
    taken.created_at = FromUnixMillis(appended.created_ms);
    taken.json = std::move(record.json);
    if (item_json != nullptr) taken.job_item = std::move(*item_json);
    committed->records.push_back(std::move(taken));
  };
  for (Op& op : ops) {
    if (auto* insert = std::get_if<InsertOp>(&op); insert != nullptr && insert->outcome.ok()) {
      for (EncodedJob& job : insert->jobs) {
        admission_.NoteInsertedJob(static_cast<std::int64_t>(job.item_json.size() + job.record.json.size()),
                                   job.awaits_consumers);
        take("INSERT", job.job_id, job.appended, job.record, &job.item_json);
      }
    } else if (auto* update = std::get_if<UpdateOp>(&op); update != nullptr && update->outcome.ok()) {
      if (update->finishes_job) admission_.NoteFinishedJob();
      // The written job keeps its id: `done` hands it over.
      std::string job_id = update->written.id;
      take("MODIFY", job_id, update->appended, update->record, nullptr);
    } else if (auto* write = std::get_if<ItemWriteOp>(&op);
               write != nullptr && write->outcome.ok() && !write->event_name.empty()) {
      // Copies: `done` hands the items over after the sync. An INSERT carries its item, as
      // InsertJob's do, so consumers see the new job without reading it.
      std::string job_id = write->id;
      std::string item = write->event_name == "INSERT" && write->new_item ? *write->new_item : std::string();
      take(write->event_name, job_id, write->appended, write->record, item.empty() ? nullptr : &item);
    }
  }
  if (committed->records.empty()) return nullptr;
  return committed;
}

bool BatchWriter::ApplyInsert(InsertOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched) {
  std::int64_t bytes = 0;
  for (const EncodedJob& job : op.jobs)
    bytes += static_cast<std::int64_t>(job.item_json.size() + job.record.json.size());
  const auto new_jobs = static_cast<std::int64_t>(op.jobs.size());
  if (!admission_.AdmitsNew(bytes, new_jobs)) {
    op.outcome = StoreFull();
    admission_.NoteRefusal();
    return true;
  }
  // One job's insert undoes itself when its first statement fails; several jobs go all or none.
  bool savepoint = isolation == Isolation::kSavepoints || op.jobs.size() > 1;
  std::int64_t sequence_before = sequence;
  TouchedShards touched_before;
  if (savepoint) {
    touched_before = touched;
    (void)savepoint_.Run();
  }
  bool changed = false;
  for (EncodedJob& job : op.jobs) {
    op.outcome =
        insert_job_.Bind(1, job.job_id).Bind(2, job.item_json).Bind(3, std::int64_t{0}).Bind(4, job.status).Run();
    if (op.outcome.ok()) {
      changed = true;
      op.outcome = AppendRecord("INSERT", job.job_id, job.record, job.appended, sequence, touched);
    } else if (sqlite3_extended_errcode(connection_->handle()) == SQLITE_CONSTRAINT_UNIQUE) {
      op.outcome = Status::ConditionFailed("a job with this id exists");
    }
    if (!op.outcome.ok()) break;
  }
  if (op.outcome.ok()) admission_.Admit(bytes, new_jobs);
  if (!savepoint) return op.outcome.ok() || !changed;
  if (op.outcome.ok()) {
    (void)release_.Run();
  } else {
    (void)rollback_to_.Run();
    (void)release_.Run();
    sequence = sequence_before;  // the rolled-back records gave their numbers back
    touched = std::move(touched_before);
  }
  return true;
}

bool BatchWriter::ApplyUpdate(UpdateOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched) {
  const Job& job = op.written;
  bool savepoint = isolation == Isolation::kSavepoints;
  if (savepoint) (void)savepoint_.Run();
  // The conditional write itself: it changes a row only if the version is the one read.
  Statement& update = op.new_status ? update_job_status_ : update_job_;
  if (op.new_status) update.Bind(5, *op.new_status);
  Status status = update.Bind(1, job.id).Bind(2, op.item_json).Bind(3, job.version).Bind(4, job.version - 1).Run();
  bool changed = status.ok() && sqlite3_changes(connection_->handle()) > 0;
  if (status.ok() && !changed) {
    select_job_.Bind(1, job.id);
    bool exists = select_job_.Step();
    std::int64_t stored = exists ? select_job_.ColumnInt(0) : 0;
    status = select_job_.status();
    select_job_.Reset();
    if (status.ok()) {
      status = exists ? Status::ConditionFailed(fmt::format("version is {}, expected {}", stored, job.version - 1))
                      : Status::NotFound("Job not found");
    }
  } else if (status.ok()) {
    status = AppendRecord("MODIFY", job.id, op.record, op.appended, sequence, touched);
  }
  op.outcome = status;
  if (!savepoint) return status.ok() || !changed;
  (void)(status.ok() ? release_.Run() : (rollback_to_.Run(), release_.Run()));
  return true;
}

bool BatchWriter::ApplyItemWrite(ItemWriteOp& op, Isolation isolation, std::int64_t& sequence, TouchedShards& touched) {
  op.old_item.reset();  // from an earlier pass over the batch, rolled back
  op.new_item.reset();
  op.refused = false;
  op.event_name.clear();
  bool savepoint = isolation == Isolation::kSavepoints;
  if (savepoint) (void)savepoint_.Run();
  select_item_.Bind(1, op.id);
  if (select_item_.Step()) op.old_item = std::string(select_item_.ColumnText(0));
  Status status = select_item_.status();
  select_item_.Reset();
  bool changed = false;
  stream::EventName event_name = stream::EventName::kInsert;
  if (status.ok()) {
    ItemDecision decision;
    bool threw = false;
    try {
      decision = op.mutate(op.old_item ? &*op.old_item : nullptr);
    } catch (const std::exception& error) {
      // The caller's code on the one writer thread: whatever it throws fails this write alone
      // instead of ending the thread every write depends on.
      decision = ItemDecision::Refuse(Status::Internal(std::string("an item write failed: ") + error.what()));
      threw = true;
    }
    switch (decision.action) {
      case ItemDecision::Action::kKeep:
        op.new_item = op.old_item;
        break;
      case ItemDecision::Action::kRefuse:
        status = decision.refusal.ok() ? Status::Internal("a refusal without a reason") : decision.refusal;
        op.refused = !threw;
        break;
      case ItemDecision::Action::kPut: {
        const boost::json::value* id = decision.item.if_contains(kIdAttribute);
        auto version = ItemVersion(decision.item);
        if (id == nullptr || *id != boost::json::value(boost::json::object{{"S", op.id}})) {
          status = Status::Internal("an item write changed the item's id");
        } else if (!version.ok()) {
          status = version.error();
        } else {
          op.new_item = boost::json::serialize(decision.item);
          // A new item is a new job: admitted to a bounded store as POST /jobs's are (its record
          // costs about what the item does).
          const auto bytes = static_cast<std::int64_t>(2 * op.new_item->size());
          if (!op.old_item && !admission_.AdmitsNew(bytes, 1)) {
            admission_.NoteRefusal();
            status = StoreFull();
            break;
          }
          if (!op.old_item) admission_.Admit(bytes, 1);
          // The status column follows the item whoever wrote it (NULL: not readable as a job).
          Statement& write = op.old_item ? replace_item_ : insert_job_;
          if (auto job_status = AggregateStatusOfItem(decision.item)) {
            write.Bind(4, *job_status);
          } else {
            write.BindNull(4);
          }
          status = write.Bind(1, op.id).Bind(2, *op.new_item).Bind(3, *version).Run();
          changed = status.ok();
          event_name = op.old_item ? stream::EventName::kModify : stream::EventName::kInsert;
        }
        break;
      }
      case ItemDecision::Action::kDelete:
        if (!op.old_item) break;  // nothing to delete: no change, no record (as DynamoDB)
        status = delete_item_.Bind(1, op.id).Run();
        changed = status.ok();
        event_name = stream::EventName::kRemove;
        break;
    }
  }
  if (changed) {
    op.event_name = std::string(stream::ToString(event_name));
    op.record = encoder_.Encode(event_name, op.id, options_.clock->Now(),
                                op.new_item ? std::string_view(*op.new_item) : std::string_view(),
                                op.old_item ? std::string_view(*op.old_item) : std::string_view());
    status = AppendRecord(op.event_name, op.id, op.record, op.appended, sequence, touched);
  }
  if (!status.ok()) op.event_name.clear();
  op.outcome = status;
  if (!savepoint) return status.ok() || !changed;
  (void)(status.ok() ? release_.Run() : (rollback_to_.Run(), release_.Run()));
  return true;
}

void BatchWriter::ApplyCheckpoint(CheckpointOp& op) {
  op.outcome = save_checkpoint_.Bind(1, op.consumer).Bind(2, std::int64_t{op.shard}).Bind(3, op.sequence).Run();
}

void BatchWriter::ApplyTrim(TrimOp& op, const std::vector<std::string>& trim_consumers, std::int64_t sequence) {
  // Sequence numbers never go back: a trim may remove the newest record, which is where the last
  // number is otherwise read from at startup. Saved first, and only when it moved (no write
  // while idle).
  if (sequence != saved_sequence_) {
    op.outcome = save_sequence_.Bind(1, std::to_string(sequence)).Run();
    if (!op.outcome.ok()) return;
    saved_sequence_ = sequence;
  }
  op.outcome = TrimStream(*connection_,
                          TrimPass{.now = op.now,
                                   .retention = options_.retention,
                                   .beyond_retention = op.beyond_retention,
                                   .shards = shards_,
                                   .last_sequence = sequence,
                                   .last_committed = last_sequence_,
                                   .consumers = &trim_consumers},
                          op.more);
}

}  // namespace jobstream::store::sqlite
