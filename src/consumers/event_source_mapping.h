// An event source mapping: reads the jobs stream shard by shard, filters, batches, invokes the
// consumer's function and writes each outcome back onto the job.
//
// Delivery is at least once: a shard's checkpoint advances only past records whose outcome is
// durable, and a record redelivered after a crash is skipped when the job already holds a
// terminal outcome for this consumer. All state lives on one strand; store and function
// callbacks are posted back onto it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <unordered_set>
#include <vector>

#include "common/rate_limited_log.h"
#include "consumers/consumer_config.h"
#include "consumers/failure_destination.h"
#include "functions/function.h"
#include "store/job_store.h"
#include "stream/filter_pattern.h"

namespace jobstream::consumers {

class EventSourceMapping {
 public:
  // `function` may be shared with other mappings (one function, several consumers).
  EventSourceMapping(ConsumerConfig config, stream::FilterCriteria filter,
                     std::shared_ptr<functions::Function> function, store::JobStore& store,
                     boost::asio::io_context& io);
  ~EventSourceMapping();

  // The consumer's on-failure destination (outlives the mapping); set before Start. Without one,
  // a record that fails for good gets Failure written onto its job.
  void SetFailureDestination(FailureDestination* destination) { destination_ = destination; }
  // Loads the checkpoints and starts reading. Fails if the store cannot be read.
  Status Start();
  // A durable commit appended these records (called on the store's sync thread). A shard read up
  // to just before them takes them from memory; any other reads the store.
  void OnCommit(const std::shared_ptr<const store::CommittedRecords>& committed);
  // Stops at a checkpoint: no new batches; in-flight invocations are abandoned and their
  // records, never checkpointed, are redelivered after a restart. Blocks until stopped.
  void Stop();

  // Pauses (no new batches; running ones finish) or resumes reading where it stopped. Any thread.
  void SetEnabled(bool enabled);
  bool enabled() const { return enabled_view_.load(std::memory_order_relaxed); }

  const ConsumerConfig& config() const { return config_; }
  // True when the consumer's filter accepts this record (used to list a job's consumers).
  bool Accepts(const boost::json::value& record) const { return filter_.Matches(record); }
  // True when the filters look at nothing but eventName (the default): then a record's event
  // name alone decides, and records filtered out are never parsed.
  bool FiltersOnEventNameOnly() const { return filters_on_event_name_only_; }
  bool AcceptsEventName(std::string_view event_name) const;

 private:
  // The job as this consumer last read or wrote it, shared by a record's status writes.
  using JobCache = std::shared_ptr<std::optional<store::Job>>;

  struct PendingRecord {
    std::int64_t sequence = 0;
    std::string job_id;
    SystemTime created_at;
    std::chrono::steady_clock::time_point enqueued_at;
    // The record as stored, handed to the function when it is invoked: a record waiting on a
    // long function costs no text; a retry reads it again (ReadRecord).
    std::string json;
    // INSERT records: the job's item as read with the record, parsed into `job` when the batch
    // starts and then dropped.
    std::string job_item;
    bool is_insert = false;
    // A MODIFY that re-runs this consumer on the job: the re-run's version (store/consumer_rerun.h).
    std::optional<std::int64_t> rerun;
    int attempts = 0;
    // Outcomes are written onto the job for its submission (INSERT) and for a re-run of it.
    bool RecordsOutcome() const { return is_insert || rerun.has_value(); }
    JobCache job = std::make_shared<std::optional<store::Job>>();
  };
  struct Shard {
    int index = 0;
    std::int64_t read_position = 0;  // last sequence read into memory
    std::int64_t checkpoint = 0;     // every record up to here has a durable outcome
    std::int64_t saved_checkpoint = 0;
    bool saving = false;
    std::map<std::int64_t, bool> outstanding;   // read but not yet past the checkpoint: done?
    std::list<PendingRecord> waiting;           // accepted by the filter, not yet in a batch, in order
    std::unordered_set<std::string> busy_jobs;  // jobs with a record in a running batch
    std::size_t running_batches = 0;
    // False once a read came back short: nothing more is committed until OnCommit says so, and
    // a finished batch does not cost a query. While false, read_position is the newest record
    // of the shard, so OnCommit can append the next commit's records without a read.
    bool may_have_more = true;
    std::unique_ptr<boost::asio::steady_timer> window_timer;
    bool window_armed = false;
  };
  struct Batch;
  // Running invocations in the order they started. Every invocation of a consumer has the same
  // grace period and timeout, so start order is deadline order: one timer per queue, armed for
  // the front, replaces a timer per invocation (which cost an allocation and a timer-queue
  // insert and cancel for every job).
  struct DeadlineQueue {
    std::size_t slot = 0;  // where a batch keeps its position in this queue
    std::chrono::steady_clock::duration delay{};
    std::list<std::shared_ptr<Batch>> batches;
    std::unique_ptr<boost::asio::steady_timer> timer;
    bool armed = false;
  };

  void Pump(Shard& shard);
  // Takes in the shard's next record: advances the read position and returns whether the filter
  // wants it (then the caller hands it to Keep) or it counts as done already.
  bool Admit(Shard& shard, const stream::StreamRecord& stored);
  void Keep(Shard& shard, stream::StreamRecord stored, std::chrono::steady_clock::time_point now);
  // Starts batches while fewer than `parallelism` run: each takes the oldest waiting records
  // whose jobs are not busy and have no earlier record waiting, so one job's records never
  // overtake each other, while a slow job never holds up others.
  void Dispatch(Shard& shard);
  void RunBatch(const std::shared_ptr<Batch>& batch);
  void Invoke(const std::shared_ptr<Batch>& batch);
  void WriteRunning(const std::shared_ptr<Batch>& batch);
  void TimeOut(const std::shared_ptr<Batch>& batch);
  // Queues an invocation that just started. If it still runs when the queue's delay has
  // passed, OnDeadline writes Running (grace queue) or fails it (timeout queue).
  void Enqueue(DeadlineQueue& queue, const std::shared_ptr<Batch>& batch);
  void Remove(DeadlineQueue& queue, const std::shared_ptr<Batch>& batch);
  void ArmFront(DeadlineQueue& queue);
  void OnDeadline(DeadlineQueue& queue);
  void OnResults(const std::shared_ptr<Batch>& batch, std::vector<functions::RecordResult> results);
  void ApplyBatchResponse(const Batch& batch, std::vector<functions::RecordResult>& results);
  // Runs what the batch still holds (a bisected half, or a retry once its backoff has passed), or
  // finishes the batch.
  void RunNextSegment(const std::shared_ptr<Batch>& batch);
  void Retry(const std::shared_ptr<Batch>& batch, const std::vector<std::size_t>& records);
  std::chrono::milliseconds RetryBackoff(int attempt);
  // The one way out of a record that failed for good (retries exhausted, timed out, too old): to
  // the on-failure destination if the consumer has one, else Failure onto its job (job
  // submissions only). `done` runs on the strand once that outcome is durable.
  struct FinalFailure {
    destinations::FailureCondition condition = destinations::FailureCondition::kRetryAttemptsExhausted;
    int invocations = 0;
    std::string error_type;
    std::string error_message;
    std::string error_stderr;
  };
  void Settle(const Batch& batch, const PendingRecord& record, FinalFailure failure, std::function<void()> done);
  void Deliver(std::shared_ptr<const destinations::FailedBatch> failed, std::function<void()> done);
  FinalFailure RecordAgeExceeded(int invocations) const;
  void FinishBatch(const std::shared_ptr<Batch>& batch);
  void MarkDone(Shard& shard, std::int64_t sequence);
  void AdvanceCheckpoint(Shard& shard);
  // Checkpoints are saved at most every kCheckpointInterval, riding along with other writes,
  // instead of one write per finished batch: after a crash, at most that much is redelivered,
  // and redelivered records of finished jobs are skipped (RunBatch).
  void ScheduleCheckpointSave();
  void SaveCheckpoints();
  void SaveCheckpoint(Shard& shard);
  // Writes this consumer's state onto a job with a conditional (versioned) write, retrying on
  // conflicts. `done(skipped)`: skipped is true when the job already held a terminal outcome.
  void WriteState(std::string job_id, store::ConsumerState state, std::function<void(bool skipped)> done,
                  const JobCache& cache = nullptr);
  // One state write across its attempts (conflicts, store errors), shared by the callbacks so
  // that none of them copies the state or the job id.
  struct StateWrite {
    std::string job_id;
    store::ConsumerState state;
    std::function<void(bool skipped)> done;
    JobCache cache;
    int attempt = 0;
  };
  void Write(const std::shared_ptr<StateWrite>& write);
  void RetryLater(std::function<void()> action);

  // Constant after construction.
  ConsumerConfig config_;
  stream::FilterCriteria filter_;
  std::shared_ptr<functions::Function> function_;
  store::JobStore& store_;
  FailureDestination* destination_ = nullptr;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::size_t max_buffered_per_shard_;
  bool filters_on_event_name_only_ = false;

  // Strand-confined.
  std::vector<Shard> shards_;
  std::unique_ptr<boost::asio::steady_timer> checkpoint_timer_;
  bool checkpoint_save_scheduled_ = false;
  DeadlineQueue grace_queue_;    // Running is written for invocations still here after the grace period
  DeadlineQueue timeout_queue_;  // invocations still here after the timeout fail with TimeoutError
                                 // (only for functions that do not enforce their timeout)
  bool stopping_ = false;
  // FinishBatch calls nested in one another (on the strand): see FinishBatch.
  int finish_depth_ = 0;
  static constexpr int kMaxFinishDepth = 16;
  std::set<std::shared_ptr<Batch>> backing_off_;  // batches waiting out a retry's backoff (Stop cancels them)
  std::mt19937_64 jitter_{std::random_device{}()};
  bool enabled_ = true;                   // strand-confined
  std::atomic<bool> enabled_view_{true};  // the same, readable from any thread
  std::mutex set_enabled_mutex_;

  // Failures that repeat for every record or retry log a line per interval, not per occurrence.
  RateLimitedLog store_errors_{spdlog::level::err};     // reads and writes the store refused
  RateLimitedLog unreadable_jobs_{spdlog::level::err};  // jobs passed over: their items cannot be read
  RateLimitedLog failed_jobs_{spdlog::level::info, std::chrono::seconds(1)};  // function failures
};

}  // namespace jobstream::consumers
