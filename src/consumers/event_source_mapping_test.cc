#include "consumers/consumer_set.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/uuid.h"
#include "functions/sleep_function.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::consumers {
namespace {

using namespace std::chrono_literals;

// A factory for a test function that needs neither configuration nor executor.
template <typename Make>
functions::FunctionFactory Builtin(Make make) {
  return [make](const functions::FunctionConfig&,
                const boost::asio::any_io_executor&) -> Result<std::unique_ptr<functions::Function>> {
    return std::unique_ptr<functions::Function>(make());
  };
}

// Stays silent on its first invocation and answers it (Success) only when the retry arrives,
// i.e. after the first timed out; stays silent on every later invocation.
class LateAnswerFunction final : public functions::Function {
 public:
  void Invoke(functions::StreamEvent records, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    std::lock_guard lock(mutex_);
    if (!first_) {
      first_ = std::move(done);
      first_size_ = records.size();
      return;
    }
    if (!answered_) {
      answered_ = true;
      first_(std::vector<functions::RecordResult>(first_size_, functions::RecordResult::Success("late")));
    }
    later_.push_back(std::move(done));  // never answered
  }

 private:
  std::mutex mutex_;
  functions::InvocationDone first_;
  std::size_t first_size_ = 0;
  bool answered_ = false;
  std::vector<functions::InvocationDone> later_;
};

// Fails each record `failures_before_success` times, then succeeds; counts invocations.
class FlakyFunction final : public functions::Function {
 public:
  FlakyFunction(int failures_before_success, std::atomic<int>& invocations)
      : failures_before_success_(failures_before_success), invocations_(invocations) {}
  void Invoke(functions::StreamEvent records, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    int call = invocations_++;
    std::vector<functions::RecordResult> results;
    for (std::size_t i = 0; i < records.size(); ++i) {
      results.push_back(call < failures_before_success_ ? functions::RecordResult::Failure("Flaky", "try again")
                                                        : functions::RecordResult::Success("fine"));
    }
    done(std::move(results));
  }

 private:
  int failures_before_success_;
  std::atomic<int>& invocations_;
};

// Succeeds at once and remembers each batch's size.
class BatchRecordingFunction final : public functions::Function {
 public:
  explicit BatchRecordingFunction(std::vector<std::size_t>& sizes, std::mutex& mutex) : sizes_(sizes), mutex_(mutex) {}
  void Invoke(functions::StreamEvent records, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    {
      std::lock_guard lock(mutex_);
      sizes_.push_back(records.size());
    }
    done(std::vector<functions::RecordResult>(records.size(), functions::RecordResult::Success("ok")));
  }

 private:
  std::vector<std::size_t>& sizes_;
  std::mutex& mutex_;
};

// Never answers: for timeouts and shutdown.
class SilentFunction final : public functions::Function {
 public:
  void Invoke(functions::StreamEvent, const functions::InvocationContext&, functions::InvocationDone) override {}
};

// Fails a whole invocation when any of its records is a job with `seconds` = kPoisonSeconds, as a
// handler that throws on one bad record does; remembers each invocation's time and size.
constexpr int kPoisonSeconds = 13;
class PoisonSensitiveFunction final : public functions::Function {
 public:
  struct Calls {
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> times;
    std::vector<std::size_t> sizes;
  };
  explicit PoisonSensitiveFunction(Calls& calls) : calls_(calls) {}
  void Invoke(functions::StreamEvent records, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    bool poisoned = false;
    for (std::size_t i = 0; i < records.size(); ++i) {
      boost::system::error_code ec;
      const boost::json::value record = records.ParseRecord(i);  // find_pointer points into it
      const auto* seconds = record.find_pointer("/dynamodb/NewImage/seconds/N", ec);
      poisoned = poisoned || (seconds != nullptr && *seconds == boost::json::value(std::to_string(kPoisonSeconds)));
    }
    {
      std::lock_guard lock(calls_.mutex);
      calls_.times.push_back(std::chrono::steady_clock::now());
      calls_.sizes.push_back(records.size());
    }
    done(std::vector<functions::RecordResult>(
        records.size(),
        poisoned ? functions::RecordResult::Failure("Poison", "bad job") : functions::RecordResult::Success("fine")));
  }

 private:
  Calls& calls_;
};

// The aggregate status of the job in a stream record's new image ("" when it has none).
std::string NewImageStatus(const boost::json::value& record) {
  boost::system::error_code ec;
  const auto* image = record.find_pointer("/dynamodb/NewImage", ec);
  if (image == nullptr) return "";
  auto job = store::Job::FromItemJson(boost::json::serialize(*image));
  return job.ok() ? job->AggregateStatus() : "";
}

// Succeeds at once; remembers the jobs whose final MODIFY record (status Success) it was given.
class OutcomeWatchingFunction final : public functions::Function {
 public:
  struct Seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::set<std::string> finished_jobs;
  };
  explicit OutcomeWatchingFunction(Seen& seen) : seen_(seen) {}
  void Invoke(functions::StreamEvent records, const functions::InvocationContext&,
              functions::InvocationDone done) override {
    std::vector<std::string> finished;
    for (std::size_t i = 0; i < records.size(); ++i) {
      boost::json::value record = records.ParseRecord(i);
      const auto* object = record.if_object();
      if (object == nullptr || object->if_contains("eventName") == nullptr) continue;
      if (object->at("eventName") == "MODIFY" && NewImageStatus(record) == "Success") {
        finished.emplace_back(object->at("dynamodb").at("Keys").at("id").at("S").as_string());
      }
    }
    // Answered before the test can learn of these records: the mapping has queued their outcome
    // on its strand ahead of anything the test posts there afterwards (Stop).
    done(std::vector<functions::RecordResult>(records.size(), functions::RecordResult::Success("ok")));
    {
      std::lock_guard lock(seen_.mutex);
      seen_.finished_jobs.insert(finished.begin(), finished.end());
    }
    seen_.changed.notify_all();
  }

 private:
  Seen& seen_;
};

class EventSourceMappingTest : public ::testing::Test {
 protected:
  void OpenStore(int shards = 4) {
    store::SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = shards;
    store_ = std::move(store::SqliteJobStore::Open(options)).value();
  }

  void StartConsumers(std::vector<ConsumerConfig> configs) {
    work_.emplace(boost::asio::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
    auto set = ConsumerSet::Create(configs, registry_, *store_, io_);
    ASSERT_TRUE(set.ok()) << set.error().message();
    consumers_ = std::move(set).value();
    ASSERT_TRUE(consumers_->Start().ok());
  }

  void StopAll() {
    if (consumers_) consumers_->Stop();
    if (store_) store_->Close();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    consumers_.reset();
    store_.reset();
    io_.restart();
  }

  void TearDown() override { StopAll(); }

  std::string Submit(int seconds = 1) {
    store::Job job;
    job.id = NewUuid();
    job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", seconds}});
    job.created_at = job.updated_at = std::chrono::system_clock::now();
    job.consumers = consumers_->InitialStates(job);
    std::promise<Status> done;
    store_->InsertJob(job, [&done](Status s) { done.set_value(s); });
    EXPECT_TRUE(done.get_future().get().ok());
    return job.id;
  }

  // The job's stream records once `count` of them are readable: the stream is read only up to
  // the last durable sequence number, which can trail what GetJob already sees.
  std::vector<stream::StreamRecord> WaitForRecords(const std::string& id, std::size_t count) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      auto records = store_->ReadStream(stream::ShardOf(id, store_->shard_count()), 0, 100);
      std::vector<stream::StreamRecord> of_job;
      if (records.ok()) {
        for (auto& record : *records) {
          if (record.job_id == id) of_job.push_back(std::move(record));
        }
      }
      if (of_job.size() >= count || std::chrono::steady_clock::now() > deadline) return of_job;
      std::this_thread::sleep_for(5ms);
    }
  }

  store::Job WaitForStatus(const std::string& id, std::string_view wanted, std::chrono::seconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto job = store_->GetJob(id);
      if (job.ok() && job->AggregateStatus() == wanted) return *job;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "job " << id << " never reached " << wanted << ": "
                      << (job.ok() ? job->ToTypedItemJson() : job.error().message());
        return job.ok() ? *job : store::Job{};
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  // Waits until every job's final MODIFY record (status Success) is on the stream, then returns
  // the last sequence number of each shard holding records: nothing is appended after that.
  std::map<int, std::int64_t> LastSequencesOnceFinished(const std::vector<std::string>& ids,
                                                        std::chrono::seconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      std::set<std::string> finished;
      std::map<int, std::int64_t> last;
      for (int shard = 0; shard < store_->shard_count(); ++shard) {
        auto records = store_->ReadStream(shard, 0, 100000);
        if (!records.ok() || records->empty()) continue;
        last[shard] = records->back().sequence;
        for (const auto& record : *records) {
          if (record.event_name == "MODIFY" && NewImageStatus(boost::json::parse(record.json)) == "Success") {
            finished.insert(record.job_id);
          }
        }
      }
      bool all =
          std::all_of(ids.begin(), ids.end(), [&finished](const std::string& id) { return finished.contains(id); });
      if (all) return last;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "only " << finished.size() << " of " << ids.size() << " outcomes reached the stream";
        return last;
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  // The consumer's stored checkpoints for the given shards.
  std::map<int, std::int64_t> StoredCheckpoints(const std::string& consumer,
                                                const std::map<int, std::int64_t>& shards) {
    std::map<int, std::int64_t> stored;
    for (const auto& [shard, unused] : shards) {
      auto checkpoint = store_->LoadCheckpoint(consumer, shard);
      stored[shard] = checkpoint.ok() ? *checkpoint : -1;
    }
    return stored;
  }

  static ConsumerConfig Consumer(std::string name, std::string function) {
    ConsumerConfig config;
    config.name = std::move(name);
    config.function = std::move(function);
    return config;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  functions::FunctionRegistry registry_ = functions::FunctionRegistry::WithBuiltins();
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<ConsumerSet> consumers_;
};

TEST_F(EventSourceMappingTest, EveryConsumerWritesRunningThenSuccessOntoTheJob) {
  OpenStore();
  ConsumerConfig first = Consumer("consumer_1", "noop");
  first.running_grace = 0ms;  // Running at every start
  ConsumerConfig second = first;
  second.name = "consumer_2";
  StartConsumers({first, second});
  std::string id = Submit();
  store::Job job = WaitForStatus(id, "Success");
  // Insert, then Running and Success per consumer; a Running write still queued when the
  // function has already answered is superseded by the outcome (seen under TSan's slowdown).
  EXPECT_GE(job.version, 3);
  EXPECT_LE(job.version, 4);
  auto records = WaitForRecords(job.id, static_cast<std::size_t>(job.version) + 1);  // the insert, one per write
  std::size_t running = 0;
  for (const auto& record : records) running += record.json.find("\"Running\"") != std::string::npos ? 1 : 0;
  EXPECT_GE(running, 1u) << "no consumer wrote Running although its grace period is 0";
  ASSERT_EQ(job.consumers.size(), 2u);
  EXPECT_EQ(job.consumers["consumer_1"].status, "Success");
  EXPECT_EQ(job.consumers["consumer_2"].results, boost::json::value("ok"));
}

TEST_F(EventSourceMappingTest, JobsFinishingWithinTheGracePeriodSkipRunning) {
  OpenStore();
  // A grace period no noop can outlive, even on a loaded machine or under a sanitizer (at the
  // default 100 ms this test failed now and then while other builds ran).
  ConsumerConfig first = Consumer("consumer_1", "noop");
  first.running_grace = 30s;
  ConsumerConfig second = first;
  second.name = "consumer_2";
  StartConsumers({first, second});
  store::Job job = WaitForStatus(Submit(), "Success");
  EXPECT_EQ(job.version, 2);  // 0 at insert, + one outcome per consumer
  auto records = WaitForRecords(job.id, 3);
  std::size_t modifies = 0;
  for (const auto& record : records) modifies += record.event_name == "MODIFY" ? 1 : 0;
  EXPECT_EQ(modifies, 2u);
}

TEST_F(EventSourceMappingTest, SleepFunctionAnswersWithTheSampleResults) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "sleep")});
  std::string id = Submit(1);
  store::Job job = WaitForStatus(id, "Success");
  EXPECT_EQ(job.consumers["consumer_1"].results, boost::json::value("I slept for 1 seconds"));
}

TEST_F(EventSourceMappingTest, SecondsAboveTheTimeoutFailWithTheReferenceMessage) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "sleep")});
  std::string id = Submit(301);
  store::Job job = WaitForStatus(id, "Failure");
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorMessage"),
            boost::json::value("301 exceeds the timeout of 300 seconds"));
}

TEST_F(EventSourceMappingTest, FailedRecordIsRetriedUpToMaxRetries) {
  OpenStore();
  std::atomic<int> invocations{0};
  registry_.Register("flaky", Builtin([&invocations] { return std::make_unique<FlakyFunction>(2, invocations); }));
  ConsumerConfig retrying = Consumer("consumer_1", "flaky");
  retrying.max_retries = 2;
  retrying.retry_backoff_base = 10ms;
  StartConsumers({retrying});
  store::Job job = WaitForStatus(Submit(), "Success");
  EXPECT_EQ(invocations.load(), 3);
  EXPECT_EQ(job.version, 1);  // fast retries: no Running, only the final outcome
}

TEST_F(EventSourceMappingTest, WithoutRetriesTheFirstFailureIsFinal) {
  OpenStore();
  std::atomic<int> invocations{0};
  registry_.Register("flaky", Builtin([&invocations] { return std::make_unique<FlakyFunction>(5, invocations); }));
  StartConsumers({Consumer("consumer_1", "flaky")});
  store::Job job = WaitForStatus(Submit(), "Failure");
  EXPECT_EQ(invocations.load(), 1);
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorType"), boost::json::value("Flaky"));
}

TEST_F(EventSourceMappingTest, FunctionThatOutlivesItsTimeoutFails) {
  OpenStore();
  registry_.Register("silent", Builtin([] { return std::make_unique<SilentFunction>(); }));
  ConsumerConfig slow = Consumer("consumer_1", "silent");
  slow.timeout = 1s;
  StartConsumers({slow});
  store::Job job = WaitForStatus(Submit(), "Failure", 15s);
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorMessage"), boost::json::value("Task timed out after 1 seconds"));
}

TEST_F(EventSourceMappingTest, ALateAnswerFromATimedOutInvocationIsNotTakenAsItsRetrys) {
  OpenStore();
  registry_.Register("late", Builtin([] { return std::make_unique<LateAnswerFunction>(); }));
  ConsumerConfig config = Consumer("consumer_1", "late");
  config.timeout = 1s;
  config.max_retries = 1;
  config.retry_backoff_base = 10ms;
  StartConsumers({config});
  store::Job job = WaitForStatus(Submit(), "Failure", 20s);
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorMessage"), boost::json::value("Task timed out after 1 seconds"));
}

TEST_F(EventSourceMappingTest, RetriesWaitOutAnExponentialBackoffWithJitter) {
  OpenStore();
  PoisonSensitiveFunction::Calls calls;
  registry_.Register("poison", Builtin([&calls] { return std::make_unique<PoisonSensitiveFunction>(calls); }));
  ConsumerConfig retrying = Consumer("consumer_1", "poison");
  retrying.max_retries = 3;
  retrying.retry_backoff_base = 200ms;
  retrying.retry_backoff_max = 500ms;
  StartConsumers({retrying});
  store::Job job = WaitForStatus(Submit(kPoisonSeconds), "Failure", 15s);
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorType"), boost::json::value("Poison"));
  std::lock_guard lock(calls.mutex);
  ASSERT_EQ(calls.times.size(), 4u) << "the first invocation and 3 retries";
  // Retry n waits a random point in the upper half of min(base × 2^(n−1), max): at least 100,
  // 200 and 250 ms (the cap), never less.
  const std::array<std::chrono::milliseconds, 3> at_least{100ms, 200ms, 250ms};
  for (std::size_t n = 0; n < at_least.size(); ++n) {
    EXPECT_GE(calls.times[n + 1] - calls.times[n], at_least[n]) << "before retry " << n + 1;
  }
}

TEST_F(EventSourceMappingTest, UnlimitedRetriesEndWhenTheRecordExpiresWhileOtherJobsKeepFlowing) {
  OpenStore(/*shards=*/1);  // one shard: the failing job and the others share it
  PoisonSensitiveFunction::Calls calls;
  registry_.Register("poison", Builtin([&calls] { return std::make_unique<PoisonSensitiveFunction>(calls); }));
  ConsumerConfig retrying = Consumer("consumer_1", "poison");
  retrying.max_retries = -1;
  retrying.retry_backoff_base = 50ms;
  retrying.retry_backoff_max = 200ms;
  retrying.max_record_age = 2s;
  StartConsumers({retrying});
  std::string poisoned = Submit(kPoisonSeconds);
  std::vector<std::string> healthy;
  for (int i = 0; i < 5; ++i) healthy.push_back(Submit(1));
  for (const auto& id : healthy) {
    WaitForStatus(id, "Success", 2s);  // while the poisoned job is still being retried
  }
  EXPECT_EQ(store_->GetJob(poisoned)->AggregateStatus(), "Pending");
  store::Job job = WaitForStatus(poisoned, "Failure", 10s);
  EXPECT_EQ(job.consumers["consumer_1"].error.at("errorType"), boost::json::value("RecordAgeExceeded"));
  std::lock_guard lock(calls.mutex);
  EXPECT_GT(calls.times.size(), 6u) << "the poisoned record was retried until it expired";
}

TEST_F(EventSourceMappingTest, BisectingAFailedBatchIsolatesTheBadRecordWithoutUsingRetries) {
  OpenStore(/*shards=*/1);
  PoisonSensitiveFunction::Calls calls;
  registry_.Register("poison", Builtin([&calls] { return std::make_unique<PoisonSensitiveFunction>(calls); }));
  ConsumerConfig bisecting = Consumer("consumer_1", "poison");
  bisecting.batch_size = 4;
  bisecting.batching_window = 1s;  // the four jobs below go in one batch
  bisecting.bisect_batch_on_error = true;
  StartConsumers({bisecting});
  std::vector<std::string> ids{Submit(1), Submit(1), Submit(kPoisonSeconds), Submit(1)};
  EXPECT_EQ(WaitForStatus(ids[2], "Failure").consumers["consumer_1"].error.at("errorType"),
            boost::json::value("Poison"));
  for (std::size_t i : {0, 1, 3}) WaitForStatus(ids[i], "Success");
  std::lock_guard lock(calls.mutex);
  // [a b P c] fails → [a b] succeeds, [P c] fails → [P] fails (no retries left), [c] succeeds.
  EXPECT_EQ(calls.sizes, (std::vector<std::size_t>{4, 2, 2, 1, 1}));
}

TEST_F(EventSourceMappingTest, WithoutBisectingOneBadRecordFailsItsWholeBatch) {
  OpenStore(/*shards=*/1);
  PoisonSensitiveFunction::Calls calls;
  registry_.Register("poison", Builtin([&calls] { return std::make_unique<PoisonSensitiveFunction>(calls); }));
  ConsumerConfig batching = Consumer("consumer_1", "poison");
  batching.batch_size = 4;
  batching.batching_window = 1s;
  StartConsumers({batching});
  std::vector<std::string> ids{Submit(1), Submit(kPoisonSeconds), Submit(1), Submit(1)};
  for (const auto& id : ids) WaitForStatus(id, "Failure");
}

TEST_F(EventSourceMappingTest, WithoutRecordOutcomeASuccessWritesNothingAndAFinalFailureIsStillRecorded) {
  OpenStore(/*shards=*/1);
  std::atomic<int> invocations{0};
  registry_.Register("flaky", Builtin([&invocations] { return std::make_unique<FlakyFunction>(1, invocations); }));
  ConsumerConfig silent = Consumer("silent", "noop");
  silent.record_outcome = false;
  silent.running_grace = 0ms;  // would write Running at once if it wrote anything
  ConsumerConfig failing = Consumer("failing", "flaky");
  failing.record_outcome = false;
  StartConsumers({silent, failing});
  std::string failed = Submit();     // the flaky function's first invocation fails: recorded
  std::string succeeded = Submit();  // its later ones succeed: the function's to write
  store::Job job = WaitForStatus(failed, "Running");
  EXPECT_EQ(job.consumers["failing"].status, "Failure");
  EXPECT_EQ(job.consumers["silent"].status, "Pending");
  // Both consumers have passed both INSERT records (their checkpoints reach the last one), and
  // the only write either made is that one Failure.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::int64_t last_insert = WaitForRecords(succeeded, 1).front().sequence;
  while (std::chrono::steady_clock::now() < deadline && (store_->LoadCheckpoint("silent", 0).value() < last_insert ||
                                                         store_->LoadCheckpoint("failing", 0).value() < last_insert)) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(store_->LoadCheckpoint("silent", 0).value(), last_insert);
  EXPECT_GE(store_->LoadCheckpoint("failing", 0).value(), last_insert);
  EXPECT_EQ(invocations.load(), 2);
  EXPECT_EQ(store_->GetJob(succeeded)->version, 0);
  EXPECT_EQ(store_->GetJob(failed)->version, 1);
}

TEST_F(EventSourceMappingTest, RetrySettingsAreRangeChecked) {
  ConsumerConfig config = Consumer("consumer_1", "noop");
  config.max_retries = -1;
  EXPECT_TRUE(config.Validate().ok());
  config.max_retries = -2;
  EXPECT_NE(config.Validate().message().find("max_retries must be between -1"), std::string::npos);
  config.max_retries = 0;
  config.retry_backoff_base = 0ms;
  EXPECT_NE(config.Validate().message().find("retry_backoff_base_ms"), std::string::npos);
  config.retry_backoff_base = 2s;
  config.retry_backoff_max = 1s;
  EXPECT_NE(config.Validate().message().find("retry_backoff_max_ms must be between retry_backoff_base_ms"),
            std::string::npos);
}

TEST_F(EventSourceMappingTest, DisabledConsumerHoldsItsJobsUntilEnabledThenResumes) {
  OpenStore();
  ConsumerConfig paused = Consumer("consumer_1", "noop");
  paused.enabled = false;
  StartConsumers({paused, Consumer("consumer_2", "noop")});
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Submit());
  for (const std::string& id : ids) {
    store::Job job = WaitForStatus(id, "Running");  // consumer_2 done, consumer_1 not started
    EXPECT_EQ(job.consumers["consumer_2"].status, "Success");
  }
  std::this_thread::sleep_for(300ms);  // room for a wrongly running consumer_1 to show up
  for (const std::string& id : ids) EXPECT_EQ(store_->GetJob(id)->consumers["consumer_1"].status, "Pending");
  auto views = consumers_->List();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].enabled);
  EXPECT_TRUE(views[1].enabled);

  auto enabled = consumers_->SetEnabled("consumer_1", true);
  ASSERT_TRUE(enabled.has_value());
  EXPECT_TRUE(enabled->enabled);
  for (const std::string& id : ids) WaitForStatus(id, "Success");
  EXPECT_FALSE(consumers_->SetEnabled("nobody", true).has_value());
}

TEST_F(EventSourceMappingTest, ConsumerDisabledAtRuntimeStartsNothingNew) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "noop")});
  WaitForStatus(Submit(), "Success");
  ASSERT_TRUE(consumers_->SetEnabled("consumer_1", false).has_value());
  std::string held = Submit();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(store_->GetJob(held)->AggregateStatus(), "Pending");
  ASSERT_TRUE(consumers_->SetEnabled("consumer_1", true).has_value());
  WaitForStatus(held, "Success");
}

TEST_F(EventSourceMappingTest, FilterDecidesWhichConsumersAJobWaitsFor) {
  OpenStore();
  ConsumerConfig picky = Consumer("picky", "noop");
  picky.filters = {R"({"dynamodb": {"NewImage": {"seconds": {"N": [{"numeric": [">", 10]}]}}}})"};
  StartConsumers({Consumer("consumer_1", "noop"), picky});
  store::Job small = WaitForStatus(Submit(1), "Success");
  EXPECT_EQ(small.consumers.size(), 1u);
  store::Job large = WaitForStatus(Submit(20), "Success");
  EXPECT_EQ(large.consumers.size(), 2u);
}

TEST_F(EventSourceMappingTest, ManyJobsAcrossShardsAllFinish) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "noop"), Consumer("consumer_2", "noop")});
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(Submit());
  for (const auto& id : ids) EXPECT_EQ(WaitForStatus(id, "Success").version, 2);
}

// Commits arrive far faster than one invocation at a time drains them: the consumer's buffer fills,
// it falls back to reading the store, and takes records from memory again once caught up. Each
// job is still run exactly once (one outcome write: version 1).
TEST_F(EventSourceMappingTest, ABacklogBeyondTheBufferIsReadBackAndEveryJobRunsOnce) {
  OpenStore(2);
  ConsumerConfig config = Consumer("consumer_1", "noop");
  config.parallelism = 1;
  config.running_grace = 60s;  // a loaded machine must not make a no-op job write Running
  StartConsumers({config});
  std::vector<std::string> ids;
  for (int round = 0; round < 20; ++round) {
    std::vector<store::Job> jobs;
    for (int i = 0; i < 100; ++i) {
      store::Job job;
      job.id = NewUuid();
      job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", 1}});
      job.created_at = job.updated_at = std::chrono::system_clock::now();
      job.consumers = consumers_->InitialStates(job);
      ids.push_back(job.id);
      jobs.push_back(std::move(job));
    }
    std::promise<Status> done;
    store_->InsertJobs(std::move(jobs), [&done](Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
  for (const auto& id : ids) EXPECT_EQ(WaitForStatus(id, "Success", 60s).version, 1) << id;
  // The stream is read up to the last durable record, which can trail what GetJob already sees
  // (the last outcome's sync): wait for it, then count exactly.
  std::size_t streamed = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    auto records = store_->ReadStream(0, 0, 100000);
    auto more = store_->ReadStream(1, 0, 100000);
    ASSERT_TRUE(records.ok() && more.ok());
    streamed = records->size() + more->size();
    if (streamed >= 2 * ids.size()) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(streamed, 2 * ids.size());  // one INSERT and one MODIFY each
}

TEST_F(EventSourceMappingTest, InterruptedJobIsRedeliveredAfterRestartAndFinishesOnce) {
  OpenStore();
  registry_.Register("silent", Builtin([] { return std::make_unique<SilentFunction>(); }));
  StartConsumers({Consumer("consumer_1", "silent")});
  std::string id = Submit();
  WaitForStatus(id, "Running");
  StopAll();  // stop at a checkpoint: the record was never checkpointed

  OpenStore();
  StartConsumers({Consumer("consumer_1", "noop")});
  store::Job job = WaitForStatus(id, "Success");
  EXPECT_EQ(job.version, 2);  // Running (after the grace period), Success on redelivery
}

TEST_F(EventSourceMappingTest, FinishedJobIsNotRunAgainAfterRestart) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "noop")});
  std::string id = Submit();
  WaitForStatus(id, "Success");
  // Forget the checkpoint, as if the process died before saving it.
  StopAll();
  {
    Status status;
    auto connection = store::Connection::Open(dir_.path() / "jobs.db", status);
    ASSERT_TRUE(connection) << status.message();
    ASSERT_TRUE(connection->Execute("DELETE FROM checkpoints").ok());
  }
  OpenStore();
  std::atomic<int> invocations{0};
  registry_.Register("counting", Builtin([&invocations] { return std::make_unique<FlakyFunction>(0, invocations); }));
  StartConsumers({Consumer("consumer_1", "counting")});  // redelivers from the start
  std::string second = Submit();
  WaitForStatus(second, "Success");
  EXPECT_EQ(store_->GetJob(id)->version, 1);  // Success, untouched by the redelivery
  EXPECT_EQ(invocations.load(), 1);           // only the new job ran
}

TEST_F(EventSourceMappingTest, ALongBacklogOfFinishedJobsIsPassedOverWithoutDeepeningTheStack) {
  // Redelivered after a crash, records whose jobs are done finish their batches at once, inside
  // the Dispatch that started them: 30,000 of them one after the other once nested a few frames
  // per batch and overflowed the consumers' stack.
  OpenStore(1);
  for (int round = 0; round < 30; ++round) {
    std::vector<store::Job> jobs;
    for (int i = 0; i < 1000; ++i) {
      store::Job job;
      job.id = NewUuid();
      job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", 1}});
      job.created_at = job.updated_at = std::chrono::system_clock::now();
      job.consumers.emplace("consumer_1", store::ConsumerState{"Success", "earlier", nullptr});
      jobs.push_back(std::move(job));
    }
    std::promise<Status> done;
    store_->InsertJobs(std::move(jobs), [&done](Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
  std::atomic<int> invocations{0};
  registry_.Register("counting", Builtin([&invocations] { return std::make_unique<FlakyFunction>(0, invocations); }));
  ConsumerConfig config = Consumer("consumer_1", "counting");
  config.batch_size = 1;
  config.parallelism = 1;
  StartConsumers({config});
  std::string id = Submit();
  WaitForStatus(id, "Success", 60s);
  EXPECT_EQ(invocations.load(), 1);  // only the new job ran
}

TEST_F(EventSourceMappingTest, BatchingWindowGathersRecordsIntoBatches) {
  OpenStore(/*shards=*/1);
  std::vector<std::size_t> sizes;
  std::mutex mutex;
  registry_.Register("recording",
                     Builtin([&sizes, &mutex] { return std::make_unique<BatchRecordingFunction>(sizes, mutex); }));
  ConsumerConfig batching = Consumer("consumer_1", "recording");
  batching.batch_size = 10;
  batching.batching_window = 500ms;
  StartConsumers({batching});
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(Submit());
  for (const auto& id : ids) WaitForStatus(id, "Success");
  std::lock_guard lock(mutex);
  std::size_t total = 0;
  for (std::size_t size : sizes) {
    EXPECT_LE(size, 10u);
    total += size;
  }
  EXPECT_EQ(total, 10u);
  EXPECT_LT(sizes.size(), 10u) << "the window should have put several records in one batch";
}

TEST_F(EventSourceMappingTest, InvalidConsumerConfigurationIsRejected) {
  OpenStore();
  ConsumerConfig bad = Consumer("consumer_1", "no-such-function");
  auto set = ConsumerSet::Create({bad}, registry_, *store_, io_);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message().find("unknown function"), std::string::npos);
  ConsumerConfig bad_filter = Consumer("consumer_1", "noop");
  bad_filter.filters = {"{not json"};
  EXPECT_FALSE(ConsumerSet::Create({bad_filter}, registry_, *store_, io_).ok());
  EXPECT_FALSE(ConsumerSet::Create({Consumer("a", "noop"), Consumer("a", "noop")}, registry_, *store_, io_).ok());
}

TEST_F(EventSourceMappingTest, AnUnreadableJobIsPassedOverAndTheCheckpointMovesOn) {
  OpenStore(/*shards=*/1);  // one shard: the unreadable job sits in front of the others
  ConsumerConfig paused = Consumer("consumer_1", "noop");
  paused.enabled = false;
  StartConsumers({paused});
  std::string poison = Submit();
  {
    // As an older version stored a number beyond a double's range: text no JSON parser reads.
    Status status;
    auto raw = store::Connection::Open(dir_.path() / "jobs.db", status);
    ASSERT_TRUE(raw) << status.message();
    ASSERT_TRUE(raw->Execute("UPDATE jobs SET item = replace(item, '\"seconds\":{\"N\":\"1\"}', "
                             "'\"seconds\":{\"N\":\"1\"},\"x\":Infinity') "
                             "WHERE id = '" +
                             poison + "'")
                    .ok());
  }
  ASSERT_FALSE(store_->GetJob(poison).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Submit());
  ASSERT_TRUE(consumers_->SetEnabled("consumer_1", true).has_value());
  for (const std::string& id : ids) WaitForStatus(id, "Success");
  std::map<int, std::int64_t> last = LastSequencesOnceFinished(ids);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (StoredCheckpoints("consumer_1", last) != last && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(StoredCheckpoints("consumer_1", last), last) << "the checkpoint is held behind the unreadable job";
}

TEST_F(EventSourceMappingTest, AJobNoFilterAcceptsIsFilteredAtOnce) {
  OpenStore();
  ConsumerConfig picky = Consumer("consumer_1", "noop");
  picky.filters = {R"({"dynamodb": {"NewImage": {"seconds": {"N": ["99"]}}}})"};
  StartConsumers({picky});
  std::string id = Submit(1);
  auto job = store_->GetJob(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->AggregateStatus(), "Filtered");
  EXPECT_EQ(WaitForStatus(Submit(99), "Success").consumers.size(), 1U);
}

TEST_F(EventSourceMappingTest, CheckpointsReachTheEndOfEveryShardWithoutAStop) {
  OpenStore();
  StartConsumers({Consumer("consumer_1", "noop")});
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Submit());
  for (const auto& id : ids) WaitForStatus(id, "Success");
  // The outcomes' MODIFY records are filtered out, but the checkpoint passes them too.
  std::map<int, std::int64_t> last = LastSequencesOnceFinished(ids);
  ASSERT_FALSE(last.empty());

  // Saved in the background (every 500 ms): the store shows it while the consumer keeps running.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (StoredCheckpoints("consumer_1", last) != last && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(StoredCheckpoints("consumer_1", last), last);

  StopAll();
  OpenStore();
  EXPECT_EQ(StoredCheckpoints("consumer_1", last), last);
}

TEST_F(EventSourceMappingTest, StopSavesTheLastCheckpointsBeforeTheStoreCloses) {
  OpenStore();
  OutcomeWatchingFunction::Seen seen;
  registry_.Register("watching", Builtin([&seen] { return std::make_unique<OutcomeWatchingFunction>(seen); }));
  ConsumerConfig watching = Consumer("consumer_1", "watching");
  watching.filters = {R"({"eventName": ["INSERT", "MODIFY"]})"};  // the outcomes come back to it
  StartConsumers({watching});
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(Submit());
  {
    // Once the function was given every job's outcome record, every record was read and every
    // batch has finished or has its completion queued ahead of Stop.
    std::unique_lock lock(seen.mutex);
    ASSERT_TRUE(seen.changed.wait_for(lock, 10s,
                                      [&] {
                                        return std::all_of(ids.begin(), ids.end(), [&seen](const std::string& id) {
                                          return seen.finished_jobs.contains(id);
                                        });
                                      }))
        << "the function saw " << seen.finished_jobs.size() << " of " << ids.size() << " outcomes";
  }
  // Right away: well within the 500 ms after which the background save would have run.
  StopAll();

  OpenStore();
  std::map<int, std::int64_t> last = LastSequencesOnceFinished(ids);
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(StoredCheckpoints("consumer_1", last), last);
}

}  // namespace
}  // namespace jobstream::consumers

namespace jobstream::consumers {
namespace {

functions::FunctionConfig ExecConfig(std::string name, std::vector<std::string> command) {
  functions::FunctionConfig function;
  function.name = std::move(name);
  function.runtime = functions::Runtime::kExec;
  function.command = std::move(command);
  return function;
}

class ConfiguredFunctionsTest : public EventSourceMappingTest {
 protected:
  Result<std::unique_ptr<ConsumerSet>> Create(const std::vector<ConsumerConfig>& consumers,
                                              const std::vector<functions::FunctionConfig>& functions) {
    return ConsumerSet::Create(consumers, functions, registry_, *store_, io_);
  }
  // Starts the consumers with these [[functions]] entries.
  void Start(const std::vector<ConsumerConfig>& consumers, const std::vector<functions::FunctionConfig>& functions) {
    work_.emplace(boost::asio::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
    auto set = Create(consumers, functions);
    ASSERT_TRUE(set.ok()) << set.error().message();
    consumers_ = std::move(set).value();
    ASSERT_TRUE(consumers_->Start().ok());
  }
};

TEST_F(ConfiguredFunctionsTest, AConsumerRunsAnExecFunctionByNameAndItsAnswerIsTheResult) {
  OpenStore();
  work_.emplace(boost::asio::make_work_guard(io_));
  thread_ = std::thread([this] { io_.run(); });
  // The process answers with the eventName it read from Lambda's event on its stdin.
  auto set = Create({Consumer("consumer_1", "echo")},
                    {ExecConfig("echo", {"python3", "-c",
                                         "import json,sys; print(json.dumps(json.load(sys.stdin)['Records'][0]"
                                         "['eventName']))"})});
  ASSERT_TRUE(set.ok()) << set.error().message();
  consumers_ = std::move(set).value();
  ASSERT_TRUE(consumers_->Start().ok());
  std::string id = Submit();
  store::Job job = WaitForStatus(id, "Success");
  EXPECT_EQ(job.consumers.at("consumer_1").results, boost::json::value("INSERT"));
}

TEST_F(ConfiguredFunctionsTest, TheTimeoutBelongsToTheFunctionAndAConflictingOneIsRefused) {
  OpenStore();
  functions::FunctionConfig sleep = functions::FunctionConfig::Builtin("sleep");
  sleep.timeout = std::chrono::seconds(60);
  ConsumerConfig consumer = Consumer("consumer_1", "sleep");
  consumer.timeout = std::chrono::seconds(120);
  consumer.timeout_set = true;
  auto set = Create({consumer}, {sleep});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message(),
            "consumers[0] ('consumer_1'): timeout_seconds (120) differs from functions[0].timeout_seconds (60) of "
            "'sleep': the timeout belongs to the function; remove one");
  consumer.timeout_set = false;  // the default, not a choice: the function's wins
  EXPECT_TRUE(Create({consumer}, {sleep}).ok());
}

TEST_F(ConfiguredFunctionsTest, FlakyBelowMaxRetriesSucceedsAndAboveItFails) {
  OpenStore();
  functions::FunctionConfig twice = functions::FunctionConfig::Builtin("fails-twice");
  twice.builtin = "flaky";
  twice.failures = 2;
  functions::FunctionConfig five = functions::FunctionConfig::Builtin("fails-five-times");
  five.builtin = "flaky";
  five.failures = 5;
  five.error_type = "Flaky";
  ConsumerConfig patient = Consumer("patient", "fails-twice");
  patient.max_retries = 3;
  patient.retry_backoff_base = 10ms;
  ConsumerConfig impatient = Consumer("impatient", "fails-five-times");
  impatient.max_retries = 2;
  impatient.retry_backoff_base = 10ms;
  ASSERT_NO_FATAL_FAILURE(Start({patient, impatient}, {twice, five}));
  store::Job job = WaitForStatus(Submit(), "Failure");
  EXPECT_EQ(job.consumers.at("patient").status, "Success");
  EXPECT_EQ(job.consumers.at("patient").results, boost::json::value("succeeded at attempt 3"));
  EXPECT_EQ(job.consumers.at("impatient").error.at("errorType"), boost::json::value("Flaky"));
}

TEST_F(ConfiguredFunctionsTest, FailFailsEveryRecordWithItsConfiguredError) {
  OpenStore();
  functions::FunctionConfig broken = functions::FunctionConfig::Builtin("broken");
  broken.builtin = "fail";
  broken.error_type = "Broken";
  broken.error_message = "out of order";
  ASSERT_NO_FATAL_FAILURE(Start({Consumer("consumer_1", "broken")}, {broken}));
  store::Job job = WaitForStatus(Submit(), "Failure");
  EXPECT_EQ(job.consumers.at("consumer_1").error,
            (boost::json::value{{"errorType", "Broken"}, {"errorMessage", "out of order"}}));
}

TEST_F(ConfiguredFunctionsTest, ABuiltinEntryNamesAnExistingBuiltinAndNoBuiltinsName) {
  OpenStore();
  functions::FunctionConfig unknown = functions::FunctionConfig::Builtin("mine");
  unknown.builtin = "explode";
  auto refused = Create({Consumer("consumer_1", "mine")}, {unknown});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("no built-in function is called 'explode'"), std::string::npos);
  functions::FunctionConfig hijack = functions::FunctionConfig::Builtin("sleep");
  hijack.builtin = "fail";
  refused = Create({Consumer("consumer_1", "sleep")}, {hijack});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("name is a built-in function's"), std::string::npos);
  functions::FunctionConfig misplaced = ExecConfig("tool", {"cat"});
  misplaced.builtin = "fail";
  refused = Create({Consumer("consumer_1", "tool")}, {misplaced});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("builtin applies to builtin functions only"), std::string::npos);
}

TEST_F(ConfiguredFunctionsTest, UnknownFunctionsAndMissingCommandsNameTheirTable) {
  OpenStore();
  auto unknown = Create({Consumer("consumer_1", "nope")}, {ExecConfig("other", {"cat"})});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(),
            "consumers[0] ('consumer_1'): function: unknown function 'nope' (configured: other; built-in: fail, flaky, "
            "noop, sleep)");
  auto missing = Create({Consumer("consumer_1", "gone")}, {ExecConfig("gone", {"no-such-program-here"})});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message().rfind("functions[0] ('gone'): command: 'no-such-program-here' was not found", 0),
            0u)
      << missing.error().message();
}

}  // namespace
}  // namespace jobstream::consumers
