#include "consumers/event_source_mapping.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <future>

#include "consumers/batch_item_failures.h"
#include "store/consumer_rerun.h"

namespace jobstream::consumers {
namespace {

constexpr std::size_t kReadChunk = 1000;
// Records read past a checkpoint that is held back by a long-running record. Filtered-out and
// finished records behind it cost a map entry each; this bounds that memory.
constexpr std::size_t kMaxOutstanding = 1000000;
constexpr int kMaxConflictRetries = 100;
constexpr auto kStoreRetryDelay = std::chrono::seconds(1);
constexpr auto kCheckpointInterval = std::chrono::milliseconds(500);

Result<boost::json::value> ParseRecord(std::string_view json) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 2 * store::kMaxItemDepth + 8;  // typed images nest twice as deep as their items
  boost::json::value record = boost::json::parse(json, ec, {}, options);
  if (ec) return Status::Internal("stored stream record is not JSON: " + ec.message());
  return record;
}

bool PatternsReadOnlyEventName(const std::vector<std::string>& filters) {
  for (const std::string& filter : filters) {
    boost::system::error_code ec;
    boost::json::value pattern = boost::json::parse(filter, ec);
    if (ec || !pattern.is_object()) return false;
    for (const auto& [key, value] : pattern.as_object()) {
      if (key != "eventName") return false;
    }
  }
  return true;
}

// The error a job shows, as Lambda reports one; `stderr` (a process's last output there) only
// when there is some.
boost::json::value ErrorValue(std::string_view type, std::string_view message, std::string_view stderr_tail = {}) {
  boost::json::object error{{"errorType", type}, {"errorMessage", message}};
  if (!stderr_tail.empty()) error["stderr"] = stderr_tail;
  return error;
}

}  // namespace

// One invocation's worth of records from one shard, and its progress.
struct EventSourceMapping::Batch {
  std::size_t shard = 0;
  std::vector<PendingRecord> records;  // at most one per job; all get marked done at the end
  std::vector<std::size_t> to_invoke;  // indexes into records that go to the function
  // What runs after the current invocation, in order: the halves of a bisected invocation, and
  // records to retry once their backoff has passed.
  struct Segment {
    std::vector<std::size_t> records;
    bool retry = false;  // waits out the backoff of its records' attempts first
  };
  std::deque<Segment> segments;
  std::unique_ptr<boost::asio::steady_timer> backoff;
  bool finished_invocation = false;
  // Counts invocations, so that a late answer from one that timed out is not taken as its
  // retry's.
  std::uint64_t invocation = 0;
  // Where the running invocation sits in the consumer's deadline queues (if it does).
  std::chrono::steady_clock::time_point invoked_at;
  // Indexed by DeadlineQueue::slot.
  std::array<std::optional<std::list<std::shared_ptr<Batch>>::iterator>, 2> queue_positions;
};

EventSourceMapping::EventSourceMapping(ConsumerConfig config, stream::FilterCriteria filter,
                                       std::shared_ptr<functions::Function> function, store::JobStore& store,
                                       boost::asio::io_context& io)
    : config_(std::move(config)),
      filter_(std::move(filter)),
      function_(std::move(function)),
      store_(store),
      strand_(boost::asio::make_strand(io)),
      max_buffered_per_shard_(std::clamp<std::size_t>(
          static_cast<std::size_t>(config_.parallelism) * static_cast<std::size_t>(config_.batch_size) * 4, 64,
          100000)),
      filters_on_event_name_only_(PatternsReadOnlyEventName(config_.filters)),
      enabled_(config_.enabled),
      enabled_view_(config_.enabled) {
  grace_queue_.slot = 0;
  grace_queue_.delay = config_.running_grace;
  // The guard fires a second after the timeout so a function finishing exactly at its timeout
  // (sleep 300 with a 300 s timeout) is not cut off.
  timeout_queue_.slot = 1;
  timeout_queue_.delay = config_.timeout + std::chrono::seconds(1);
}

bool EventSourceMapping::AcceptsEventName(std::string_view event_name) const {
  return filter_.Matches(boost::json::object{{"eventName", event_name}});
}

EventSourceMapping::~EventSourceMapping() = default;

Status EventSourceMapping::Start() {
  std::vector<Shard> shards(static_cast<std::size_t>(store_.shard_count()));
  for (std::size_t i = 0; i < shards.size(); ++i) {
    auto checkpoint = store_.LoadCheckpoint(config_.name, static_cast<int>(i));
    if (!checkpoint.ok()) return checkpoint.error();
    shards[i].index = static_cast<int>(i);
    shards[i].read_position = shards[i].checkpoint = shards[i].saved_checkpoint = *checkpoint;
  }
  std::promise<void> started;
  boost::asio::post(strand_, [this, &shards, &started] {
    shards_ = std::move(shards);
    for (Shard& shard : shards_) Pump(shard);
    started.set_value();
  });
  started.get_future().wait();
  return Status::Ok();
}

void EventSourceMapping::OnCommit(const std::shared_ptr<const store::CommittedRecords>& committed) {
  boost::asio::post(strand_, [this, committed] {
    auto now = std::chrono::steady_clock::now();
    for (int index : committed->shards) {
      if (static_cast<std::size_t>(index) >= shards_.size()) continue;
      Shard& shard = shards_[static_cast<std::size_t>(index)];
      // From memory only when nothing lies between the read position and these records, and
      // there is room for them; otherwise the store has them (they are durable) and Pump reads.
      bool follows = !shard.may_have_more && static_cast<std::size_t>(index) < committed->previous_sequence.size() &&
                     shard.read_position == committed->previous_sequence[static_cast<std::size_t>(index)];
      auto arriving = static_cast<std::size_t>(std::count_if(committed->records.begin(), committed->records.end(),
                                                             [index](const auto& r) { return r.shard == index; }));
      bool room = shard.waiting.size() + shard.busy_jobs.size() + arriving <= max_buffered_per_shard_ &&
                  shard.outstanding.size() + arriving <= kMaxOutstanding;
      if (!follows || !room || !enabled_ || stopping_) {
        shard.may_have_more = true;
        Pump(shard);
        continue;
      }
      for (const stream::StreamRecord& record : committed->records) {
        if (record.shard == index && Admit(shard, record)) Keep(shard, record, now);
      }
      AdvanceCheckpoint(shard);
      Dispatch(shard);
    }
  });
}

void EventSourceMapping::Stop() {
  std::promise<void> stopped;
  boost::asio::post(strand_, [this, &stopped] {
    stopping_ = true;
    function_->CancelAll();
    for (Shard& shard : shards_) {
      if (shard.window_timer) shard.window_timer->cancel();
    }
    for (DeadlineQueue* queue : {&grace_queue_, &timeout_queue_}) {
      if (queue->timer) queue->timer->cancel();
    }
    if (checkpoint_timer_) checkpoint_timer_->cancel();
    for (const auto& batch : backing_off_) batch->backoff->cancel();
    // The last positions go to the store before it closes (it finishes queued writes), so a
    // clean restart redelivers nothing.
    for (Shard& shard : shards_) {
      if (shard.checkpoint > shard.saved_checkpoint) {
        store_.SaveCheckpoint(config_.name, shard.index, shard.checkpoint, nullptr);
      }
    }
    stopped.set_value();
  });
  stopped.get_future().wait();
}

void EventSourceMapping::SetEnabled(bool enabled) {
  // Serialised so that the strand applies concurrent calls in the order the view records them.
  std::lock_guard lock(set_enabled_mutex_);
  enabled_view_ = enabled;
  boost::asio::post(strand_, [this, enabled] {
    if (enabled_ == enabled) return;
    enabled_ = enabled;
    spdlog::info("consumer {} {}", config_.name, enabled ? "enabled" : "disabled");
    if (!enabled) return;
    for (Shard& shard : shards_) Pump(shard);
  });
}

void EventSourceMapping::Pump(Shard& shard) {
  if (stopping_ || !enabled_) return;
  auto queued = [&shard] { return shard.waiting.size() + shard.busy_jobs.size(); };
  while (shard.may_have_more && queued() < max_buffered_per_shard_ && shard.outstanding.size() < kMaxOutstanding) {
    std::size_t limit = std::min(kReadChunk, max_buffered_per_shard_ - queued());
    auto records = store_.ReadStream(shard.index, shard.read_position, limit);
    if (!records.ok()) {
      store_errors_.Log(
          fmt::format("consumer {}: cannot read shard {}: {}", config_.name, shard.index, records.error().message()));
      RetryLater([this, &shard] { Pump(shard); });
      return;
    }
    auto now = std::chrono::steady_clock::now();
    for (auto& stored : *records) {
      if (Admit(shard, stored)) Keep(shard, std::move(stored), now);
    }
    if (records->size() < limit) shard.may_have_more = false;
  }
  AdvanceCheckpoint(shard);
  Dispatch(shard);
}

bool EventSourceMapping::Admit(Shard& shard, const stream::StreamRecord& stored) {
  shard.read_position = stored.sequence;
  bool wanted = true;
  if (stored.event_name == "MODIFY" && store::IsRerunRecordFor(stored.json, config_.name)) {
    wanted = true;  // this consumer's re-run: delivered whatever its filters
  } else if (filters_on_event_name_only_) {
    wanted = AcceptsEventName(stored.event_name);  // decided without parsing the record
  } else {
    auto record = ParseRecord(stored.json);
    wanted = record.ok() && filter_.Matches(*record);
  }
  shard.outstanding.emplace(stored.sequence, !wanted);  // filtered out: nothing to deliver, done
  return wanted;
}

void EventSourceMapping::Keep(Shard& shard, stream::StreamRecord stored, std::chrono::steady_clock::time_point now) {
  bool is_insert = stored.event_name == "INSERT";
  std::optional<std::int64_t> rerun;
  if (stored.event_name == "MODIFY") rerun = store::RerunVersionOf(stored.json, config_.name);
  shard.waiting.push_back(PendingRecord{stored.sequence, std::move(stored.job_id), stored.created_at, now,
                                        std::move(stored.json), std::move(stored.job_item), is_insert, rerun, 0,
                                        std::make_shared<std::optional<store::Job>>()});
}

void EventSourceMapping::Dispatch(Shard& shard) {
  auto batch_size = static_cast<std::size_t>(config_.batch_size);
  while (!stopping_ && enabled_ && !shard.waiting.empty() &&
         shard.running_batches < static_cast<std::size_t>(config_.parallelism)) {
    if (shard.waiting.size() < batch_size && config_.batching_window.count() > 0) {
      auto ready_at = shard.waiting.front().enqueued_at + config_.batching_window;
      if (std::chrono::steady_clock::now() < ready_at) {
        if (!shard.window_armed) {  // gather more records until the window closes
          if (!shard.window_timer) shard.window_timer = std::make_unique<boost::asio::steady_timer>(strand_);
          shard.window_armed = true;
          shard.window_timer->expires_at(ready_at);
          shard.window_timer->async_wait([this, &shard](const boost::system::error_code& ec) {
            shard.window_armed = false;
            if (!ec) Dispatch(shard);
          });
        }
        return;
      }
    }
    auto batch = std::make_shared<Batch>();
    batch->shard = static_cast<std::size_t>(shard.index);
    std::unordered_set<std::string_view> passed_over;  // jobs whose earlier record must go first
    for (auto it = shard.waiting.begin(); it != shard.waiting.end() && batch->records.size() < batch_size;) {
      bool blocked = shard.busy_jobs.contains(it->job_id) || passed_over.contains(it->job_id);
      if (blocked) {
        passed_over.insert(it->job_id);
        ++it;
        continue;
      }
      shard.busy_jobs.insert(it->job_id);
      batch->records.push_back(std::move(*it));
      it = shard.waiting.erase(it);
    }
    if (batch->records.empty()) return;  // everything waiting belongs to busy jobs
    ++shard.running_batches;
    RunBatch(batch);
  }
}

// Drops records whose jobs already hold an outcome from an earlier delivery (at-least-once
// redelivery after a crash) and fails expired ones, then invokes the function with the rest.
void EventSourceMapping::RunBatch(const std::shared_ptr<Batch>& batch) {
  batch->to_invoke.clear();
  auto pending = std::make_shared<std::size_t>(1);  // held until every write below is issued
  auto one_done = [this, batch, pending] {
    if (--*pending == 0) Invoke(batch);
  };
  auto now = std::chrono::system_clock::now();
  for (std::size_t i = 0; i < batch->records.size(); ++i) {
    PendingRecord& record = batch->records[i];
    if (now - record.created_at > config_.max_record_age) {
      ++*pending;
      Settle(*batch, record, RecordAgeExceeded(0), one_done);
      continue;
    }
    if (!record.RecordsOutcome()) {
      batch->to_invoke.push_back(i);
      continue;
    }
    if (record.rerun && record.job_item.empty()) {
      // Only INSERT records come with their job's item: a re-run reads it (rare).
      auto item = store_.GetJobJson(record.job_id);
      if (!item.ok() && item.error().code() != StatusCode::kNotFound) {
        ++*pending;
        Settle(*batch, record,
               FinalFailure{destinations::FailureCondition::kRetryAttemptsExhausted,
                            0,
                            "StoreError",
                            "the job could not be read for its re-run: " + item.error().message(),
                            {}},
               one_done);
        continue;
      }
      if (item.ok()) record.job_item = std::move(item).value();
    }
    if (record.job_item.empty()) continue;  // the job is gone
    auto job = store::Job::FromItemJson(record.job_item);
    std::string().swap(record.job_item);
    if (!job.ok()) {
      unreadable_jobs_.Log(fmt::format("consumer {}: job {} cannot be read ({}); the stream moves past it",
                                       config_.name, record.job_id, job.error().message()));
      continue;  // done with the batch, never retried: the shard's checkpoint moves on
    }
    auto state = job->consumers.find(config_.name);
    if (state != job->consumers.end() && state->second.IsTerminal()) continue;
    *record.job = std::move(job).value();
    batch->to_invoke.push_back(i);
  }
  one_done();
}

// `Running` is written only once a function outlives the grace period: a job that finishes
// sooner goes from Pending to its outcome in one write instead of two (see ConsumerConfig).
void EventSourceMapping::WriteRunning(const std::shared_ptr<Batch>& batch) {
  for (std::size_t index : batch->to_invoke) {
    const PendingRecord& record = batch->records[index];
    if (record.RecordsOutcome()) {
      // A function still running after the grace period is slow enough that one more read
      // for its outcome costs nothing; dropping the cached job keeps a waiting job small.
      // A re-run keeps its marker while it runs (a late failure of an earlier attempt is stale).
      WriteState(
          record.job_id,
          store::ConsumerState{"Running", nullptr, nullptr,
                               record.rerun ? store::RerunMarker(*record.rerun) : boost::json::object()},
          [cache = record.job](bool) { cache->reset(); }, record.job);
    }
  }
}

void EventSourceMapping::TimeOut(const std::shared_ptr<Batch>& batch) {
  std::vector<functions::RecordResult> timed_out(
      batch->to_invoke.size(),
      functions::RecordResult::Failure("TimeoutError",
                                       fmt::format("Task timed out after {} seconds", config_.timeout.count())));
  OnResults(batch, std::move(timed_out));
}

void EventSourceMapping::Enqueue(DeadlineQueue& queue, const std::shared_ptr<Batch>& batch) {
  auto& slot = batch->queue_positions[queue.slot];
  slot = queue.batches.insert(queue.batches.end(), batch);
  ArmFront(queue);
}

void EventSourceMapping::Remove(DeadlineQueue& queue, const std::shared_ptr<Batch>& batch) {
  auto& slot = batch->queue_positions[queue.slot];
  if (!slot) return;
  queue.batches.erase(*slot);
  slot.reset();
  // The timer stays armed for the removed front; it finds a later front when it fires.
}

void EventSourceMapping::ArmFront(DeadlineQueue& queue) {
  if (queue.armed || queue.batches.empty() || stopping_) return;
  if (!queue.timer) queue.timer = std::make_unique<boost::asio::steady_timer>(strand_);
  queue.armed = true;
  queue.timer->expires_at(queue.batches.front()->invoked_at + queue.delay);
  queue.timer->async_wait([this, &queue](const boost::system::error_code& ec) {
    queue.armed = false;
    if (!ec && !stopping_) OnDeadline(queue);
  });
}

void EventSourceMapping::OnDeadline(DeadlineQueue& queue) {
  auto now = std::chrono::steady_clock::now();
  while (!queue.batches.empty() && queue.batches.front()->invoked_at + queue.delay <= now && !stopping_) {
    std::shared_ptr<Batch> batch = queue.batches.front();
    Remove(queue, batch);
    if (&queue == &grace_queue_) {
      WriteRunning(batch);
    } else {
      TimeOut(batch);
    }
  }
  ArmFront(queue);
}

void EventSourceMapping::Invoke(const std::shared_ptr<Batch>& batch) {
  if (stopping_) return;
  if (batch->to_invoke.empty()) {
    RunNextSegment(batch);  // nothing left to invoke of this segment
    return;
  }
  std::sort(batch->to_invoke.begin(), batch->to_invoke.end());
  for (std::size_t index : batch->to_invoke) {
    PendingRecord& pending = batch->records[index];
    if (!pending.json.empty()) continue;  // a retry: the text went with the first invocation
    auto stored = store_.ReadRecord(pending.sequence);
    if (!stored.ok()) {
      store_errors_.Log(fmt::format("consumer {}: cannot read record {}: {}", config_.name, pending.sequence,
                                    stored.error().message()));
      RetryLater([this, batch] { Invoke(batch); });
      return;
    }
    pending.json = std::move(stored).value();
  }
  std::vector<std::string> records;
  records.reserve(batch->to_invoke.size());
  for (std::size_t index : batch->to_invoke) {
    // Handed over as stored, never parsed here: a function that reads a record parses it, one
    // that runs elsewhere gets the text as it is.
    records.push_back(std::exchange(batch->records[index].json, {}));
  }
  functions::InvocationContext context{config_.name, config_.timeout};
  batch->finished_invocation = false;
  batch->invoked_at = std::chrono::steady_clock::now();
  if (!function_->EnforcesTimeout()) Enqueue(timeout_queue_, batch);
  if (!config_.record_outcome) {
    // The function writes the job itself: no Running from jobstream.
  } else if (config_.running_grace.count() == 0) {
    WriteRunning(batch);  // queued before the outcome can be, so the writer applies it first
  } else {
    Enqueue(grace_queue_, batch);
  }
  std::uint64_t invocation = ++batch->invocation;
  function_->Invoke(functions::StreamEvent(std::move(records)), context,
                    [this, batch, invocation](std::vector<functions::RecordResult> results) {
                      boost::asio::post(strand_, [this, batch, invocation, results = std::move(results)]() mutable {
                        // Timed out already (and maybe retried since), or shutting down.
                        if (batch->finished_invocation || batch->invocation != invocation || stopping_) return;
                        OnResults(batch, std::move(results));
                      });
                    });
}

void EventSourceMapping::OnResults(const std::shared_ptr<Batch>& batch, std::vector<functions::RecordResult> results) {
  batch->finished_invocation = true;
  Remove(timeout_queue_, batch);
  Remove(grace_queue_, batch);
  if (results.size() != batch->to_invoke.size()) {
    results.assign(batch->to_invoke.size(), functions::RecordResult::Failure(
                                                "InvalidResponse", "the function returned a wrong number of results"));
  }
  if (config_.ReportsBatchItemFailures()) ApplyBatchResponse(*batch, results);
  // A batch of several records that failed as a whole is split in two (bisect_batch_on_error);
  // each half runs on its own before anything else of the batch, and the split is no retry.
  bool all_failed = std::none_of(results.begin(), results.end(), [](const auto& r) { return r.ok; });
  if (config_.bisect_batch_on_error && all_failed && batch->to_invoke.size() > 1) {
    auto middle = batch->to_invoke.begin() + static_cast<std::ptrdiff_t>(batch->to_invoke.size() / 2);
    batch->segments.push_front(Batch::Segment{{middle, batch->to_invoke.end()}, false});
    batch->segments.push_front(Batch::Segment{{batch->to_invoke.begin(), middle}, false});
    RunNextSegment(batch);
    return;
  }
  auto retry = std::make_shared<std::vector<std::size_t>>();
  auto pending = std::make_shared<std::size_t>(1);  // held until every write below is issued
  auto one_done = [this, batch, retry, pending] {
    if (--*pending != 0 || stopping_) return;  // when stopping, unfinished records stay unchecked
    // Failed records with retries left run again after their backoff, before the rest of the
    // batch; their jobs stay busy, so nothing overtakes them.
    if (!retry->empty()) batch->segments.push_front(Batch::Segment{std::move(*retry), true});
    RunNextSegment(batch);
  };
  for (std::size_t k = 0; k < results.size(); ++k) {
    std::size_t index = batch->to_invoke[k];
    PendingRecord& record = batch->records[index];
    functions::RecordResult& result = results[k];
    if (!result.ok && (config_.max_retries < 0 || record.attempts < config_.max_retries)) {
      record.attempts += 1;
      retry->push_back(index);
      continue;
    }
    if (!result.ok) {
      failed_jobs_.Log(
          fmt::format("consumer {}: job {} failed: {}", config_.name, record.job_id, result.error_message));
      ++*pending;
      Settle(
          *batch, record,
          FinalFailure{destinations::FailureCondition::kRetryAttemptsExhausted, record.attempts + 1,
                       std::move(result.error_type), std::move(result.error_message), std::move(result.error_stderr)},
          one_done);
      continue;
    }
    if (!record.RecordsOutcome()) continue;  // outcomes are written onto jobs for job submissions only
    // record_outcome = false: a success is the function's to write.
    if (!config_.record_outcome) continue;
    ++*pending;
    WriteState(
        record.job_id, store::ConsumerState{"Success", std::move(result.results), nullptr},
        [one_done](bool) { one_done(); }, record.job);
  }
  one_done();
}

void EventSourceMapping::RunNextSegment(const std::shared_ptr<Batch>& batch) {
  if (stopping_) return;
  if (batch->segments.empty()) {
    FinishBatch(batch);
    return;
  }
  Batch::Segment segment = std::move(batch->segments.front());
  batch->segments.pop_front();
  if (!segment.retry) {
    batch->to_invoke = std::move(segment.records);
    Invoke(batch);
    return;
  }
  int attempt = 0;
  for (std::size_t index : segment.records) attempt = std::max(attempt, batch->records[index].attempts);
  if (!batch->backoff) batch->backoff = std::make_unique<boost::asio::steady_timer>(strand_);
  batch->backoff->expires_after(RetryBackoff(attempt));
  backing_off_.insert(batch);
  batch->backoff->async_wait([this, batch, records = std::move(segment.records)](const boost::system::error_code& ec) {
    backing_off_.erase(batch);
    if (ec || stopping_) return;
    Retry(batch, records);
  });
}

void EventSourceMapping::Retry(const std::shared_ptr<Batch>& batch, const std::vector<std::size_t>& records) {
  // A record that expired while it was retried fails as RecordAgeExceeded instead of running.
  batch->to_invoke.clear();
  auto pending = std::make_shared<std::size_t>(1);  // held until every write below is issued
  auto one_done = [this, batch, pending] {
    if (--*pending == 0 && !stopping_) Invoke(batch);
  };
  auto now = std::chrono::system_clock::now();
  for (std::size_t index : records) {
    const PendingRecord& record = batch->records[index];
    if (now - record.created_at <= config_.max_record_age) {
      batch->to_invoke.push_back(index);
    } else {
      ++*pending;
      Settle(*batch, record, RecordAgeExceeded(record.attempts), one_done);
    }
  }
  one_done();
}

std::chrono::milliseconds EventSourceMapping::RetryBackoff(int attempt) {
  // base × 2^(attempt−1) without overflow: the cap (at most an hour) is reached by attempt 23.
  std::chrono::milliseconds ceiling = config_.retry_backoff_max;
  if (attempt <= 22)
    ceiling = std::min(ceiling, config_.retry_backoff_base * (std::int64_t{1} << std::max(0, attempt - 1)));
  std::uniform_int_distribution<std::int64_t> upper_half(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds(upper_half(jitter_));
}

EventSourceMapping::FinalFailure EventSourceMapping::RecordAgeExceeded(int invocations) const {
  return FinalFailure{
      destinations::FailureCondition::kRecordAgeExceeded,
      invocations,
      "RecordAgeExceeded",
      fmt::format("The record is older than the maximum record age of {} seconds", config_.max_record_age.count()),
      {}};
}

void EventSourceMapping::Settle(const Batch& batch, const PendingRecord& record, FinalFailure failure,
                                std::function<void()> done) {
  if (destination_ == nullptr) {
    if (!record.RecordsOutcome()) return done();  // outcomes are written onto jobs for job submissions only
    WriteState(
        record.job_id,
        store::ConsumerState{"Failure", nullptr,
                             ErrorValue(failure.error_type, failure.error_message, failure.error_stderr)},
        [done = std::move(done)](bool) { done(); }, record.job);
    return;
  }
  // One on-failure record per failed record (batchSize 1), whatever the batch: each names exactly
  // the job that failed, so its handler records each job's failure on its own.
  auto failed = std::make_shared<destinations::FailedBatch>();
  failed->function_name = config_.function;
  failed->condition = failure.condition;
  failed->invoke_count = failure.invocations;
  failed->error_type = std::move(failure.error_type);
  failed->error_message = std::move(failure.error_message);
  failed->shard = static_cast<int>(batch.shard);
  failed->first_sequence = failed->last_sequence = record.sequence;
  failed->first_arrival = failed->last_arrival = record.created_at;
  failed->batch_size = 1;
  Deliver(std::move(failed), std::move(done));
}

void EventSourceMapping::Deliver(std::shared_ptr<const destinations::FailedBatch> failed, std::function<void()> done) {
  destination_->Deliver(*failed, [this, failed, done = std::move(done)](const Status& status) mutable {
    boost::asio::post(strand_, [this, failed = std::move(failed), done = std::move(done), status]() mutable {
      if (status.ok()) return done();
      // Not durable: the record holds the checkpoint until it is.
      store_errors_.Log(fmt::format("consumer {}: cannot hand record {} to its on-failure destination: {}",
                                    config_.name, failed->first_sequence, status.message()));
      RetryLater([this, failed = std::move(failed), done = std::move(done)]() mutable {
        Deliver(std::move(failed), std::move(done));
      });
    });
  });
}

// With ReportBatchItemFailures, a successful invocation's return value says which records failed:
// from the lowest one reported on, every record fails this attempt (and is retried or fails, as
// any failure); the records before it succeeded, with the return value as their results.
void EventSourceMapping::ApplyBatchResponse(const Batch& batch, std::vector<functions::RecordResult>& results) {
  if (results.empty() || !std::all_of(results.begin(), results.end(), [](const auto& r) { return r.ok; })) return;
  std::vector<std::string> sequence_numbers;
  sequence_numbers.reserve(batch.to_invoke.size());
  for (std::size_t index : batch.to_invoke) {
    sequence_numbers.push_back(stream::FormatSequenceNumber(batch.records[index].sequence));
  }
  BatchResponse response = ReadBatchResponse(results.front().results, sequence_numbers);
  for (std::size_t k = response.first_failed; k < results.size(); ++k) {
    results[k] = response.unreadable.empty()
                     ? functions::RecordResult::Failure(
                           "BatchItemFailure",
                           fmt::format("the function reported record {} or an earlier one of its batch as failed "
                                       "(batchItemFailures)",
                                       sequence_numbers[k]))
                     : functions::RecordResult::Failure("InvalidBatchItemFailuresResponse", response.unreadable);
  }
}

void EventSourceMapping::FinishBatch(const std::shared_ptr<Batch>& batch) {
  Shard& shard = shards_[batch->shard];
  for (const PendingRecord& record : batch->records) {
    MarkDone(shard, record.sequence);
    shard.busy_jobs.erase(record.job_id);
  }
  --shard.running_batches;
  AdvanceCheckpoint(shard);
  // Reads more if there is room, then dispatches. A batch that finishes at once (every record's
  // job already done: a backlog redelivered after a crash) finishes inside the Dispatch that
  // started it, so a long run of them would nest Pump → Dispatch → RunBatch → … → FinishBatch
  // once per batch and overflow the stack; past a few levels the next Pump is posted instead.
  if (finish_depth_ >= kMaxFinishDepth) {
    boost::asio::post(strand_, [this, &shard] { Pump(shard); });
    return;
  }
  ++finish_depth_;
  Pump(shard);
  --finish_depth_;
}

void EventSourceMapping::MarkDone(Shard& shard, std::int64_t sequence) {
  auto found = shard.outstanding.find(sequence);
  if (found != shard.outstanding.end()) found->second = true;
}

void EventSourceMapping::AdvanceCheckpoint(Shard& shard) {
  while (!shard.outstanding.empty() && shard.outstanding.begin()->second) {
    shard.checkpoint = shard.outstanding.begin()->first;
    shard.outstanding.erase(shard.outstanding.begin());
  }
  if (shard.outstanding.empty()) shard.checkpoint = shard.read_position;
  if (shard.checkpoint > shard.saved_checkpoint) ScheduleCheckpointSave();
}

void EventSourceMapping::ScheduleCheckpointSave() {
  if (checkpoint_save_scheduled_ || stopping_) return;
  checkpoint_save_scheduled_ = true;
  if (!checkpoint_timer_) checkpoint_timer_ = std::make_unique<boost::asio::steady_timer>(strand_);
  checkpoint_timer_->expires_after(kCheckpointInterval);
  checkpoint_timer_->async_wait([this](const boost::system::error_code& ec) {
    checkpoint_save_scheduled_ = false;
    if (!ec && !stopping_) SaveCheckpoints();
  });
}

void EventSourceMapping::SaveCheckpoints() {
  for (Shard& shard : shards_) SaveCheckpoint(shard);
}

void EventSourceMapping::SaveCheckpoint(Shard& shard) {
  if (shard.saving || shard.checkpoint <= shard.saved_checkpoint) return;
  shard.saving = true;
  std::int64_t saving = shard.checkpoint;
  store_.SaveCheckpoint(config_.name, shard.index, saving, [this, &shard, saving](const Status& status) {
    boost::asio::post(strand_, [this, &shard, saving, status] {
      shard.saving = false;
      if (status.ok()) {
        shard.saved_checkpoint = std::max(shard.saved_checkpoint, saving);
      } else if (!stopping_) {
        spdlog::warn("consumer {}: checkpoint of shard {} failed: {}", config_.name, shard.index, status.message());
      }
      if (!stopping_ && shard.checkpoint > shard.saved_checkpoint) ScheduleCheckpointSave();
    });
  });
}

void EventSourceMapping::WriteState(std::string job_id, store::ConsumerState state,
                                    std::function<void(bool skipped)> done, const JobCache& cache) {
  Write(std::make_shared<StateWrite>(StateWrite{std::move(job_id), std::move(state), std::move(done), cache, 0}));
}

void EventSourceMapping::Write(const std::shared_ptr<StateWrite>& write) {
  // The batch's last read of the job saves a read when nothing changed it since; a conflict
  // (another consumer wrote first) drops it and re-reads.
  Result<store::Job> read = Status::NotFound("Job not found");
  const store::Job* job = nullptr;
  if (write->cache && write->cache->has_value()) {
    job = &**write->cache;  // UpdateConsumerState copies what it needs before returning
  } else {
    read = store_.GetJob(write->job_id);
    if (read.ok()) job = &*read;
  }
  if (job == nullptr) {
    if (read.error().code() == StatusCode::kNotFound) {
      write->done(true);
      return;
    }
    if (read.error().code() == StatusCode::kCorruption) {
      // Reading it again will not help, and waiting on it would hold this shard's checkpoint (and
      // trimming) forever: the record is passed over, loudly.
      unreadable_jobs_.Log(
          fmt::format("consumer {}: job {} cannot be read ({}); its {} is not recorded and the stream "
                      "moves past it",
                      config_.name, write->job_id, read.error().message(), write->state.status));
      write->done(true);
      return;
    }
    store_errors_.Log(
        fmt::format("consumer {}: cannot read job {}: {}", config_.name, write->job_id, read.error().message()));
    RetryLater([this, write] { Write(write); });
    return;
  }
  auto current = job->consumers.find(config_.name);
  if (current != job->consumers.end() &&
      (current->second.IsTerminal() || current->second.status == write->state.status)) {
    write->done(true);  // an earlier delivery finished this job for this consumer, or it says so already
    return;
  }
  store_.UpdateConsumerState(*job, config_.name, write->state, [this, write](Result<store::Job> written) {
    boost::asio::post(strand_, [this, write, written = std::move(written)]() mutable {
      if (written.ok()) {
        // Kept for this record's next write (Success after Running); nothing else reads it.
        if (write->cache) *write->cache = std::move(written).value();
        write->done(false);
        return;
      }
      if (write->cache) write->cache->reset();
      if (written.error().code() == StatusCode::kConditionFailed && write->attempt < kMaxConflictRetries) {
        write->attempt += 1;
        Write(write);  // another consumer wrote first: re-read
      } else if (written.error().code() == StatusCode::kNotFound) {
        write->done(true);
      } else {
        store_errors_.Log(fmt::format("consumer {}: cannot write job {}: {}", config_.name, write->job_id,
                                      written.error().message()));
        write->attempt = 0;
        RetryLater([this, write] { Write(write); });
      }
    });
  });
}

void EventSourceMapping::RetryLater(std::function<void()> action) {
  if (stopping_) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(strand_, kStoreRetryDelay);
  timer->async_wait([this, timer, action = std::move(action)](const boost::system::error_code& ec) {
    if (!ec && !stopping_) action();
  });
}

}  // namespace jobstream::consumers
