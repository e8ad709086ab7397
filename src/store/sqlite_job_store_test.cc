#include "store/sqlite_job_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/uuid.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

Job NewJob(int seconds = 1) {
  Job job;
  job.id = NewUuid();
  job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", seconds}});
  job.consumers["consumer_1"] = ConsumerState{};
  job.consumers["consumer_2"] = ConsumerState{};
  job.created_at = job.updated_at = std::chrono::system_clock::now();
  return job;
}

class SqliteJobStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJobStore> Open(int shards = 4, std::uint64_t max_size_bytes = 0) {
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = shards;
    options.max_size_bytes = max_size_bytes;
    auto store = SqliteJobStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return std::move(store).value();
  }

  static Status Insert(JobStore& store, Job job) {
    std::promise<Status> done;
    store.InsertJob(std::move(job), [&done](Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  // Writes one consumer's state on the job as currently stored, or on `as_read` when given.
  static Result<Job> Update(JobStore& store, const std::string& id, const std::string& consumer, ConsumerState state,
                            const Job* as_read = nullptr) {
    Job current;
    if (as_read != nullptr) {
      current = *as_read;
    } else {
      auto stored = store.GetJob(id);
      if (!stored.ok()) return stored.error();
      current = *stored;
    }
    std::promise<Result<Job>> done;
    store.UpdateConsumerState(current, consumer, std::move(state), [&done](Result<Job> r) { done.set_value(r); });
    return done.get_future().get();
  }

  static Status SaveCheckpoint(JobStore& store, const std::string& consumer, int shard, std::int64_t sequence) {
    std::promise<Status> done;
    store.SaveCheckpoint(consumer, shard, sequence, [&done](Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  static std::vector<stream::StreamRecord> AllRecords(JobStore& store) {
    std::vector<stream::StreamRecord> all;
    for (int shard = 0; shard < store.shard_count(); ++shard) {
      auto records = store.ReadStream(shard, 0, 100000);
      EXPECT_TRUE(records.ok());
      all.insert(all.end(), records->begin(), records->end());
    }
    return all;
  }

  testing::TempDir dir_;
};

TEST_F(SqliteJobStoreTest, InsertedJobIsReadableWithVersionZeroAndOneInsertRecord) {
  auto store = Open();
  Job job = NewJob(7);
  ASSERT_TRUE(Insert(*store, job).ok());

  auto read = store->GetJob(job.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->version, 0);
  EXPECT_EQ(read->AggregateStatus(), "Pending");
  EXPECT_EQ(read->attributes.at("seconds").at("N").as_string(), "7");

  auto records = AllRecords(*store);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].shard, stream::ShardOf(job.id, 4));
  auto record = boost::json::parse(records[0].json).as_object();
  EXPECT_EQ(record.at("eventName").as_string(), "INSERT");
  EXPECT_EQ(records[0].event_name, "INSERT");
  EXPECT_EQ(record.at("dynamodb").at("SequenceNumber").as_string(), stream::FormatSequenceNumber(records[0].sequence));
  const auto& dynamodb = record.at("dynamodb").as_object();
  EXPECT_EQ(dynamodb.at("Keys").at("id").at("S").as_string(), job.id);
  EXPECT_EQ(dynamodb.at("NewImage").at("seconds").at("N").as_string(), "7");
  EXPECT_EQ(dynamodb.at("NewImage").at("version").at("N").as_string(), "0");
  // The record's image is the stored item itself.
  EXPECT_EQ(boost::json::value(dynamodb.at("NewImage")), boost::json::parse(*store->GetJobJson(job.id)));
  EXPECT_EQ(dynamodb.at("StreamViewType").as_string(), "NEW_IMAGE");
  EXPECT_FALSE(dynamodb.contains("OldImage"));
}

TEST_F(SqliteJobStoreTest, UnknownJobIsNotFound) {
  auto store = Open();
  EXPECT_EQ(store->GetJob(NewUuid()).error().code(), StatusCode::kNotFound);
  Job never_stored = NewJob();
  EXPECT_EQ(Update(*store, never_stored.id, "consumer_1", {}, &never_stored).error().code(), StatusCode::kNotFound);
}

TEST_F(SqliteJobStoreTest, EveryUpdateBumpsVersionAndAppendsOneModifyRecordInOrder) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Running", nullptr, nullptr}).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_2", {"Running", nullptr, nullptr}).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Success", "done", nullptr}).ok());
  auto last = Update(*store, job.id, "consumer_2", {"Success", "done", nullptr});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->version, 4);
  EXPECT_EQ(last->AggregateStatus(), "Success");

  auto records = store->ReadStream(stream::ShardOf(job.id, 4), 0, 100);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  std::vector<std::string> names;
  std::int64_t previous = 0;
  for (const auto& record : *records) {
    EXPECT_GT(record.sequence, previous);
    previous = record.sequence;
    names.emplace_back(boost::json::parse(record.json).at("eventName").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"INSERT", "MODIFY", "MODIFY", "MODIFY", "MODIFY"}));
  auto final_image = boost::json::parse(records->back().json).at("dynamodb").at("NewImage");
  EXPECT_EQ(final_image.at("job_status").at("M").at("consumer_2").at("M").at("status").at("S").as_string(), "Success");
  EXPECT_EQ(final_image.at("version").at("N").as_string(), "4");
}

TEST_F(SqliteJobStoreTest, InsertRecordsCarryTheJobAsItIsNowAndModifyRecordsNothing) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Success", "done", nullptr}).ok());
  auto records = store->ReadStream(stream::ShardOf(job.id, 4), 0, 100);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].event_name, "INSERT");
  // The current item (version 1), not the one the INSERT record describes: a consumer's
  // conditional write must start from the latest version.
  EXPECT_EQ((*records)[0].job_item, *store->GetJobJson(job.id));
  EXPECT_EQ(Job::FromItemJson((*records)[0].job_item)->version, 1);
  EXPECT_EQ((*records)[1].event_name, "MODIFY");
  EXPECT_TRUE((*records)[1].job_item.empty());
}

TEST_F(SqliteJobStoreTest, StaleVersionIsRejectedAndChangesNothing) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  Job version_zero = *store->GetJob(job.id);
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Running", nullptr, nullptr}).ok());
  auto stale = Update(*store, job.id, "consumer_2", {"Running", nullptr, nullptr}, &version_zero);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), StatusCode::kConditionFailed);
  EXPECT_EQ(store->GetJob(job.id)->version, 1);
  EXPECT_EQ(AllRecords(*store).size(), 2u);
}

// The configured bound stands in for a full disk: both fail SQLite writes with SQLITE_FULL.
TEST_F(SqliteJobStoreTest, FullStoreRefusesNewJobsWithUnavailableAndLosesNothingAcknowledged) {
  std::vector<std::string> acknowledged;
  std::size_t updated = 0;
  Status refusal = Status::Ok();
  {
    auto store = Open(4, 256 * 1024);
    store->SetTrimConsumers({"consumer_1"});  // which has consumed nothing: no record may go
    for (int i = 0; i < 10000 && refusal.ok(); ++i) {
      Job job = NewJob(i);
      Status status = Insert(*store, job);
      if (status.ok()) {
        acknowledged.push_back(job.id);
      } else {
        refusal = status;
      }
    }
    ASSERT_FALSE(refusal.ok()) << "256 KiB held 10,000 jobs";
    EXPECT_EQ(refusal.code(), StatusCode::kUnavailable);
    EXPECT_EQ(refusal.message(), "The job store is full; retry later");
    ASSERT_GT(acknowledged.size(), 10u);
    // Still serving: reads work, and every further write is refused the same way, singly or
    // as an all-or-nothing batch.
    EXPECT_TRUE(store->GetJob(acknowledged.front()).ok());
    EXPECT_EQ(Insert(*store, NewJob()).code(), StatusCode::kUnavailable);
    std::promise<Status> batch;
    store->InsertJobs({NewJob(), NewJob(), NewJob()}, [&batch](Status s) { batch.set_value(s); });
    EXPECT_EQ(batch.get_future().get().code(), StatusCode::kUnavailable);
    // Refused early enough that the outcomes of every accepted job still fit.
    for (const std::string& id : acknowledged) {
      ASSERT_TRUE(Update(*store, id, "consumer_1", {"Success", "done", nullptr}).ok()) << id;
      ASSERT_TRUE(Update(*store, id, "consumer_2", {"Success", "done", nullptr}).ok()) << id;
    }
    updated = 2 * acknowledged.size();
  }
  // Reopened without the bound: every acknowledged job is there with its record, nothing else.
  auto store = Open();
  for (const std::string& id : acknowledged) EXPECT_TRUE(store->GetJob(id).ok()) << id;
  auto records = AllRecords(*store);
  EXPECT_EQ(records.size(), acknowledged.size() + updated);  // an INSERT each, a MODIFY per outcome
  std::set<std::string> recorded;
  for (const auto& record : records) recorded.insert(record.job_id);
  EXPECT_EQ(recorded, std::set<std::string>(acknowledged.begin(), acknowledged.end()));
  EXPECT_TRUE(Insert(*store, NewJob()).ok());
}

// Finished jobs free their reserve at once, and records every consumer has passed are trimmed
// before their retention period ends: a bounded store keeps taking jobs that finish, far more
// than it could hold with all their records (about 95 here), until the jobs themselves fill it.
TEST_F(SqliteJobStoreTest, ABoundedStoreTrimsConsumedRecordsEarlyToKeepTakingJobs) {
  auto store = Open(4, 256 * 1024 * 4 / 3);  // the database's share (three quarters): 256 KiB
  store->SetTrimConsumers({"consumer_1"});
  std::size_t accepted = 0;
  for (;; ++accepted) {
    ASSERT_LT(accepted, 10000u);
    Job job = NewJob();
    // Refused, a client retries later (as the 503 says); given up after 3 s refused.
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    Status inserted = Insert(*store, job);
    while (!inserted.ok() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      inserted = Insert(*store, job);
    }
    if (!inserted.ok()) break;
    ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Success", "done", nullptr}).ok()) << accepted;
    ASSERT_TRUE(Update(*store, job.id, "consumer_2", {"Success", "done", nullptr}).ok()) << accepted;
    if (accepted % 20 == 0) {  // the consumer's checkpoints, as it saves them every 500 ms
      for (int shard = 0; shard < 4; ++shard) {
        auto records = store->ReadStream(shard, 0, 100000);
        ASSERT_TRUE(records.ok());
        if (!records->empty()) {
          ASSERT_TRUE(SaveCheckpoint(*store, "consumer_1", shard, records->back().sequence).ok());
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(60));  // lets the once-a-second trim come round
    }
  }
  EXPECT_GT(accepted, 200u);
  EXPECT_LT(AllRecords(*store).size(), accepted);  // most of the 3 records per job are gone
}

// store.max_size_mb bounds the disk space of the database and its log together, also when
// readers keep the log from restarting and writers never pause: sampled throughout, the two
// files never exceed the bound, and the store keeps serving the outcomes of what it accepted.
TEST_F(SqliteJobStoreTest, ABoundedStoreKeepsTheDatabaseAndItsLogWithinTheBound) {
  constexpr std::uint64_t kBound = 2 * 1024 * 1024;
  auto store = Open(4, kBound);
  store->SetTrimConsumers({"consumer_1"});
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> largest{0};
  std::thread sampler([&] {
    auto size = [](const std::filesystem::path& file) {
      std::error_code error;
      auto bytes = std::filesystem::file_size(file, error);
      return error ? std::uintmax_t{0} : bytes;
    };
    while (!stop) {
      std::uint64_t total = size(dir_.path() / "jobs.db") + size(dir_.path() / "jobs.db-wal");
      largest = std::max<std::uint64_t>(largest, total);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::thread reader([&] {  // long reads: the log cannot restart under them
    while (!stop) {
      for (int shard = 0; shard < 4; ++shard) (void)store->ReadStream(shard, 0, 100000);
    }
  });
  std::mutex mutex;
  std::vector<std::string> accepted;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      auto refused_since = std::chrono::steady_clock::now();
      bool refusing = false;
      for (int i = 0; i < 20000; ++i) {
        Job job = NewJob();
        std::string id = job.id;
        if (Insert(*store, std::move(job)).ok()) {
          std::lock_guard lock(mutex);
          accepted.push_back(id);
          refusing = false;
        } else if (!refusing) {
          refusing = true;
          refused_since = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - refused_since > std::chrono::seconds(2)) {
          return;  // full for good: the jobs themselves fill it
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  // Everything accepted still gets both outcomes written.
  for (const std::string& id : accepted) {
    ASSERT_TRUE(Update(*store, id, "consumer_1", {"Success", "done", nullptr}).ok()) << id;
    ASSERT_TRUE(Update(*store, id, "consumer_2", {"Success", "done", nullptr}).ok()) << id;
  }
  stop = true;
  reader.join();
  sampler.join();
  EXPECT_GT(accepted.size(), 100u);  // (the reserve for outcomes limits it to about 230)
  EXPECT_LE(largest.load(), kBound) << accepted.size() << " jobs accepted";
}

// A job no consumer will write to (every filter rejected it) needs no room for status writes.
TEST_F(SqliteJobStoreTest, ABoundedStoreReservesRoomOnlyForJobsConsumersWillWriteTo) {
  auto fill = [this](bool with_consumers) {
    SqliteStoreOptions options;
    options.data_dir = dir_.path() / (with_consumers ? "awaiting" : "unconsumed");
    std::filesystem::create_directories(options.data_dir);
    options.max_size_bytes = 256 * 1024;
    auto store = std::move(SqliteJobStore::Open(options)).value();
    std::size_t accepted = 0;
    for (;; ++accepted) {
      Job job = NewJob();
      if (!with_consumers) job.consumers.clear();
      if (!Insert(*store, job).ok()) break;
    }
    return accepted;
  };
  std::size_t waiting = fill(true);
  std::size_t unconsumed = fill(false);
  EXPECT_GT(unconsumed, 2 * waiting) << waiting << " jobs awaiting two consumers, " << unconsumed << " awaiting none";
}

TEST_F(SqliteJobStoreTest, DuplicateIdIsRefusedWithoutARecord) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  EXPECT_EQ(Insert(*store, job).code(), StatusCode::kConditionFailed);
  EXPECT_EQ(AllRecords(*store).size(), 1u);
}

TEST_F(SqliteJobStoreTest, BatchInsertIsAllOrNothing) {
  auto store = Open();
  Job existing = NewJob();
  ASSERT_TRUE(Insert(*store, existing).ok());
  std::vector<Job> batch = {NewJob(), NewJob(), existing};  // the last one collides
  std::promise<Status> done;
  store->InsertJobs(batch, [&done](Status s) { done.set_value(s); });
  EXPECT_EQ(done.get_future().get().code(), StatusCode::kConditionFailed);
  EXPECT_EQ(store->GetJob(batch[0].id).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(AllRecords(*store).size(), 1u);

  std::vector<Job> good = {NewJob(), NewJob()};
  std::promise<Status> stored;
  store->InsertJobs(good, [&stored](Status s) { stored.set_value(s); });
  ASSERT_TRUE(stored.get_future().get().ok());
  EXPECT_TRUE(store->GetJob(good[1].id).ok());
  auto records = AllRecords(*store);
  ASSERT_EQ(records.size(), 3u);
  std::set<std::int64_t> sequences;
  for (const auto& record : records) sequences.insert(record.sequence);
  EXPECT_EQ(sequences.size(), 3u);  // the failed batch gave its numbers back without duplicates
}

TEST_F(SqliteJobStoreTest, ConcurrentInsertsAllCommitAndSequencesAreUnique) {
  auto store = Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Insert(*store, NewJob()).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto records = AllRecords(*store);
  EXPECT_EQ(records.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::int64_t> sequences;
  for (const auto& record : records) sequences.insert(record.sequence);
  EXPECT_EQ(sequences.size(), records.size());
}

TEST_F(SqliteJobStoreTest, JobsRecordsAndCheckpointsSurviveReopen) {
  Job job = NewJob();
  {
    auto store = Open();
    ASSERT_TRUE(Insert(*store, job).ok());
    std::promise<Status> saved;
    store->SaveCheckpoint("consumer_1", 2, 42, [&saved](Status s) { saved.set_value(s); });
    ASSERT_TRUE(saved.get_future().get().ok());
  }
  auto store = Open();
  EXPECT_TRUE(store->GetJob(job.id).ok());
  EXPECT_EQ(AllRecords(*store).size(), 1u);
  EXPECT_EQ(*store->LoadCheckpoint("consumer_1", 2), 42);
  EXPECT_EQ(*store->LoadCheckpoint("consumer_2", 2), 0);
  // Sequence numbers keep growing across restarts.
  Job second = NewJob();
  ASSERT_TRUE(Insert(*store, second).ok());
  auto records = AllRecords(*store);
  std::int64_t first_sequence = 0, second_sequence = 0;
  for (const auto& r : records) (r.job_id == job.id ? first_sequence : second_sequence) = r.sequence;
  EXPECT_GT(second_sequence, first_sequence);
}

TEST_F(SqliteJobStoreTest, ShardCountIsFixedWhenTheDataDirectoryIsCreated) {
  { auto store = Open(3); }
  auto store = Open(8);
  EXPECT_EQ(store->shard_count(), 3);
}

TEST_F(SqliteJobStoreTest, AccountAndTableAreFixedWhenTheDataDirectoryIsCreatedAndNamedByEveryRecord) {
  auto open_store = [this](std::string account_id, std::string table_name) {
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.region = "eu-west-1";
    options.account_id = std::move(account_id);
    options.table_name = std::move(table_name);
    return std::move(SqliteJobStore::Open(options)).value();
  };
  std::string stream_arn;
  {
    auto store = open_store("123456789012", "orders");
    EXPECT_EQ(store->account().id, "123456789012");
    EXPECT_EQ(store->account().table_name, "orders");
    EXPECT_EQ(store->account().stream_label.size(), 23u) << store->account().stream_label;
    stream_arn = store->account().StreamArn();
    EXPECT_EQ(stream_arn.rfind("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/", 0), 0u) << stream_arn;
    Job job = NewJob();
    ASSERT_TRUE(Insert(*store, job).ok());
    auto record = boost::json::parse(AllRecords(*store).at(0).json).as_object();
    EXPECT_EQ(record.at("eventSourceARN"), stream_arn.c_str());
    EXPECT_EQ(record.at("awsRegion"), "eu-west-1");
  }
  // A later table name does not move the data to another table; the account is the data
  // directory's (iam/account_id.h), handed in.
  auto store = open_store("123456789012", "other");
  EXPECT_EQ(store->account().StreamArn(), stream_arn);
}

TEST_F(SqliteJobStoreTest, WithoutAnAccountIdTheStoreTakesARandomOneAndTheDefaultTable) {
  auto store = Open();
  EXPECT_TRUE(ValidateAccountId(store->account().id).ok()) << store->account().id;
  EXPECT_EQ(store->account().table_name, "jobs");
}

TEST_F(SqliteJobStoreTest, TrimRemovesOnlyOldRecordsThatEveryConsumerPassed) {
  auto store = Open(1);
  store->SetTrimConsumers({"consumer_1", "consumer_2"});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Insert(*store, NewJob()).ok());
  auto records = store->ReadStream(0, 0, 100);
  ASSERT_EQ(records->size(), 4u);
  std::promise<Status> a, b;
  store->SaveCheckpoint("consumer_1", 0, (*records)[2].sequence, [&a](Status s) { a.set_value(s); });
  store->SaveCheckpoint("consumer_2", 0, (*records)[1].sequence, [&b](Status s) { b.set_value(s); });
  ASSERT_TRUE(a.get_future().get().ok());
  ASSERT_TRUE(b.get_future().get().ok());

  // Not old enough yet: nothing goes.
  ASSERT_TRUE(store->TrimNow(std::chrono::system_clock::now()).ok());
  EXPECT_EQ(store->ReadStream(0, 0, 100)->size(), 4u);
  // Past retention: only what both consumers passed goes.
  ASSERT_TRUE(store->TrimNow(std::chrono::system_clock::now() + std::chrono::hours(25)).ok());
  auto left = store->ReadStream(0, 0, 100);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].sequence, (*records)[2].sequence);
}

TEST_F(SqliteJobStoreTest, TrimKeepsRecordsYoungerThanTheRetentionEvenWhenConsumed) {
  auto store = Open(1);
  store->SetTrimConsumers({"consumer_1"});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Insert(*store, NewJob()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto boundary = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Insert(*store, NewJob()).ok());
  auto records = store->ReadStream(0, 0, 100);
  ASSERT_EQ(records->size(), 6u);
  ASSERT_TRUE(SaveCheckpoint(*store, "consumer_1", 0, records->back().sequence).ok());

  // Exactly the three records created before `boundary` are past retention at boundary + 24 h.
  ASSERT_TRUE(store->TrimNow(boundary + std::chrono::hours(24)).ok());
  auto left = store->ReadStream(0, 0, 100);
  ASSERT_EQ(left->size(), 3u);
  EXPECT_EQ((*left)[0].sequence, (*records)[3].sequence);
}

TEST_F(SqliteJobStoreTest, ALargeTrimGoesASliceAtATime) {
  auto store = Open(1);
  store->SetTrimConsumers({"consumer_1"});
  constexpr int kJobs = 25000;  // above the 20,000 records a trim removes per shard
  for (int batch = 0; batch < kJobs / 1000; ++batch) {
    std::vector<Job> jobs;
    for (int i = 0; i < 1000; ++i) jobs.push_back(NewJob());
    std::promise<Status> done;
    store->InsertJobs(std::move(jobs), [&done](Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
  auto first = store->ReadStream(0, 0, 1);
  ASSERT_EQ(first->size(), 1u);
  ASSERT_TRUE(SaveCheckpoint(*store, "consumer_1", 0, first->front().sequence + kJobs - 1).ok());

  auto later = std::chrono::system_clock::now() + std::chrono::hours(25);
  ASSERT_TRUE(store->TrimNow(later).ok());
  auto left = store->ReadStream(0, 0, 100000);
  ASSERT_EQ(left->size(), 5000u);
  EXPECT_EQ(left->front().sequence, first->front().sequence + 20000);
  ASSERT_TRUE(store->TrimNow(later).ok());
  EXPECT_TRUE(store->ReadStream(0, 0, 100000)->empty());
}

TEST_F(SqliteJobStoreTest, CommitListenerHearsOfTheShardAfterTheRecordIsReadable) {
  auto store = Open(4);
  std::promise<std::size_t> heard;
  Job job = NewJob();
  int shard = stream::ShardOf(job.id, 4);
  store->SetCommitListener([&](const std::shared_ptr<const CommittedRecords>& committed) {
    const auto& shards = committed->shards;
    if (std::find(shards.begin(), shards.end(), shard) != shards.end()) {
      heard.set_value(store->ReadStream(shard, 0, 10)->size());
    }
  });
  ASSERT_TRUE(Insert(*store, job).ok());
  EXPECT_EQ(heard.get_future().get(), 1u);
  store->SetCommitListener(nullptr);
}

// The records a commit hands its listener are the ones the stream holds, with each shard's
// previous sequence number telling a reader whether it may take them without reading.
TEST_F(SqliteJobStoreTest, CommitListenerGetsTheCommittedRecordsAsTheStreamHoldsThem) {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::shared_ptr<const CommittedRecords>> heard;
  std::size_t records_heard = 0;
  auto listen = [&](JobStore& store) {
    store.SetCommitListener([&](const std::shared_ptr<const CommittedRecords>& committed) {
      std::lock_guard lock(mutex);
      heard.push_back(committed);
      records_heard += committed->records.size();
      changed.notify_all();
    });
  };
  // The listener runs after the writes' callbacks: wait for it to have heard `count` records.
  auto wait_heard = [&](std::size_t count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return records_heard >= count; });
  };
  std::vector<Job> jobs;
  {
    auto store = Open(4);
    listen(*store);
    for (int i = 0; i < 6; ++i) {
      jobs.push_back(NewJob(i));
      ASSERT_TRUE(Insert(*store, jobs.back()).ok());
    }
    ASSERT_TRUE(Update(*store, jobs[0].id, "consumer_1", {"Success", "done", nullptr}).ok());
    ASSERT_TRUE(wait_heard(7));
    store->SetCommitListener(nullptr);

    std::lock_guard lock(mutex);
    std::vector<stream::StreamRecord> from_listener;
    std::vector<std::int64_t> last_seen(4, 0);  // what a reader of each shard has seen so far
    for (const auto& committed : heard) {
      ASSERT_EQ(committed->previous_sequence.size(), 4u);
      for (int shard : committed->shards) {
        EXPECT_EQ(committed->previous_sequence[static_cast<std::size_t>(shard)],
                  last_seen[static_cast<std::size_t>(shard)]);
      }
      for (const auto& record : committed->records) {
        last_seen[static_cast<std::size_t>(record.shard)] = record.sequence;
        from_listener.push_back(record);
      }
    }
    auto stored = AllRecords(*store);
    std::sort(stored.begin(), stored.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    ASSERT_EQ(from_listener.size(), stored.size());
    ASSERT_EQ(stored.size(), 7u);
    for (std::size_t i = 0; i < stored.size(); ++i) {
      EXPECT_EQ(from_listener[i].sequence, stored[i].sequence);
      EXPECT_EQ(from_listener[i].shard, stored[i].shard);
      EXPECT_EQ(from_listener[i].job_id, stored[i].job_id);
      EXPECT_EQ(from_listener[i].event_name, stored[i].event_name);
      EXPECT_EQ(from_listener[i].json, stored[i].json);
      EXPECT_EQ(ToUnixMillis(from_listener[i].created_at), ToUnixMillis(stored[i].created_at));
    }
    // An INSERT record comes with the item as committed then (version 0), MODIFY with none.
    for (const auto& record : from_listener) {
      if (record.event_name == "INSERT") {
        EXPECT_EQ(Job::FromItemJson(record.job_item)->version, 0) << record.job_id;
      } else {
        EXPECT_TRUE(record.job_item.empty());
      }
    }
    heard.clear();
    records_heard = 0;
  }
  // After a restart the first commit follows each shard's newest stored record.
  auto store = Open(4);
  auto before = AllRecords(*store);
  listen(*store);
  Job next = NewJob();
  ASSERT_TRUE(Insert(*store, next).ok());
  ASSERT_TRUE(wait_heard(1));
  store->SetCommitListener(nullptr);
  int shard = stream::ShardOf(next.id, 4);
  std::int64_t newest_in_shard = 0;
  for (const auto& record : before) {
    if (record.shard == shard) newest_in_shard = std::max(newest_in_shard, record.sequence);
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0]->previous_sequence[static_cast<std::size_t>(shard)], newest_in_shard);
  ASSERT_EQ(heard[0]->records.size(), 1u);
  EXPECT_EQ(heard[0]->records[0].job_id, next.id);
}

TEST_F(SqliteJobStoreTest, NewAndOldImagesCarryThePreviousItem) {
  SqliteStoreOptions options;
  options.data_dir = dir_.path();
  options.view_type = stream::StreamViewType::kNewAndOldImages;
  auto store = std::move(SqliteJobStore::Open(options)).value();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Running", nullptr, nullptr}).ok());
  auto records = store->ReadStream(stream::ShardOf(job.id, 4), 0, 10);
  ASSERT_EQ(records->size(), 2u);
  auto modify = boost::json::parse((*records)[1].json).at("dynamodb");
  EXPECT_EQ(modify.at("OldImage").at("version").at("N").as_string(), "0");
  EXPECT_EQ(modify.at("NewImage").at("version").at("N").as_string(), "1");
}

TEST_F(SqliteJobStoreTest, WritesAfterCloseAreRefused) {
  auto store = Open();
  store->Close();
  EXPECT_EQ(Insert(*store, NewJob()).code(), StatusCode::kUnavailable);
}

TEST_F(SqliteJobStoreTest, SequencesKeepGrowingAcrossReopenAfterATrimRemovedEveryRecord) {
  // The newest record is where a restart finds the last sequence number; here trims remove every
  // record before each restart, so only what the store kept elsewhere can prevent reuse.
  std::int64_t highest = 0;
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto store = Open();
    store->SetTrimConsumers({"consumer_1", "consumer_2"});
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(Insert(*store, NewJob()).ok());
    auto records = AllRecords(*store);
    ASSERT_EQ(records.size(), 8u);
    std::int64_t before = highest;
    for (const auto& record : records) {
      EXPECT_GT(record.sequence, before);
      highest = std::max(highest, record.sequence);
    }
    // Both trim consumers passed every record of every shard: all of them may go.
    for (int shard = 0; shard < store->shard_count(); ++shard) {
      auto in_shard = store->ReadStream(shard, 0, 100);
      ASSERT_TRUE(in_shard.ok());
      if (in_shard->empty()) continue;
      for (const char* consumer : {"consumer_1", "consumer_2"}) {
        ASSERT_TRUE(SaveCheckpoint(*store, consumer, shard, in_shard->back().sequence).ok());
      }
    }
    ASSERT_TRUE(store->TrimNow(std::chrono::system_clock::now() + std::chrono::hours(24 * 365)).ok());
    ASSERT_TRUE(AllRecords(*store).empty()) << "the trim should have removed every record";
  }
  auto store = Open();
  EXPECT_TRUE(AllRecords(*store).empty());
  ASSERT_TRUE(Insert(*store, NewJob()).ok());
  auto records = AllRecords(*store);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_GT(records[0].sequence, highest);
}

TEST_F(SqliteJobStoreTest, CommitListenerRunsAfterTheCallbacksAndSeesExactlyTheAcknowledgedRecords) {
  constexpr int kJobs = 400;
  std::vector<Job> jobs;
  std::map<std::string, int> shard_of;
  for (int i = 0; i < kJobs; ++i) {
    jobs.push_back(NewJob());
    shard_of[jobs.back().id] = stream::ShardOf(jobs.back().id, 4);
  }
  const std::string second_wave_first = jobs[1].id;
  std::mutex mutex;
  std::condition_variable all_acknowledged;
  std::set<std::string> acknowledged;       // jobs whose insert callback reported success
  std::vector<std::string> since_listener;  // acknowledged since the listener last ran
  std::set<std::string> heard;              // jobs whose shard a listener call reported
  std::vector<std::string> problems;
  int callbacks = 0;
  int listener_calls = 0;
  bool writer_was_ahead = false;
  std::promise<void> first_call;
  auto store = Open(4);  // after the state its callbacks use: closed (threads joined) before that goes

  // Job ids of every shard's records, as a reader sees them right now.
  auto readable = [&store, &problems] {
    std::set<std::string> ids;
    for (int shard = 0; shard < store->shard_count(); ++shard) {
      auto records = store->ReadStream(shard, 0, 100000);
      if (!records.ok()) {
        problems.push_back("ReadStream failed: " + records.error().message());
        continue;
      }
      for (const auto& record : *records) ids.insert(record.job_id);
    }
    return ids;
  };

  store->SetCommitListener([&](const std::shared_ptr<const CommittedRecords>& committed) {
    const std::vector<int>& shards = committed->shards;
    std::lock_guard lock(mutex);
    if (++listener_calls == 1) {
      // Hold the commit thread until the writer has committed a later transaction (GET sees it
      // before it is synced): it must stay off the stream until its own sync.
      first_call.set_value();
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!(writer_was_ahead = store->GetJob(second_wave_first).ok()) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    // Every write of the transaction was acknowledged before the listener hears of it...
    for (const std::string& id : since_listener) {
      if (std::find(shards.begin(), shards.end(), shard_of.at(id)) == shards.end()) {
        problems.push_back("listener not told of the shard of " + id);
      }
      heard.insert(id);
    }
    since_listener.clear();
    // ...and at this point a reader sees exactly the acknowledged records: all of them (they are
    // durable), and none of a transaction the writer committed since but that is not synced yet.
    if (readable() != acknowledged) {
      problems.push_back("listener call " + std::to_string(listener_calls) +
                         " does not see exactly the acknowledged records");
    }
    // Holding the commit thread a little lets the writer commit more batches ahead meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });

  auto insert = [&](const Job& job) {
    std::string id = job.id;
    int shard = shard_of.at(id);
    store->InsertJob(job, [&, id, shard](Status status) {
      std::lock_guard lock(mutex);
      if (!status.ok()) {
        problems.push_back("insert failed: " + status.message());
      } else {
        // Acknowledged means durable, and durable means on the stream.
        auto records = store->ReadStream(shard, 0, 100000);
        bool found = records.ok() && std::any_of(records->begin(), records->end(),
                                                 [&id](const stream::StreamRecord& r) { return r.job_id == id; });
        if (!found) problems.push_back("acknowledged job not readable on the stream: " + id);
        acknowledged.insert(id);
        since_listener.push_back(id);
      }
      if (++callbacks == kJobs) all_acknowledged.notify_all();
    });
  };
  insert(jobs[0]);
  first_call.get_future().wait();  // the commit thread is in the listener for the first job
  for (int i = 1; i < kJobs; ++i) insert(jobs[static_cast<std::size_t>(i)]);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(all_acknowledged.wait_for(lock, std::chrono::seconds(60), [&] { return callbacks == kJobs; }));
  }
  store->Close();  // the commit thread has finished: the last listener call is in
  store->SetCommitListener(nullptr);

  std::lock_guard lock(mutex);
  EXPECT_TRUE(writer_was_ahead) << "the writer never committed while the listener ran";
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, the first: " << problems.front();
  EXPECT_EQ(acknowledged.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(heard.size(), static_cast<std::size_t>(kJobs)) << "every commit is followed by a listener call";
}

TEST_F(SqliteJobStoreTest, DuplicateIdInAGroupCommitLeavesTheOtherInsertsAlone) {
  Job existing = NewJob(5);
  Job first = NewJob(1), second = NewJob(2), third = NewJob(3), fourth = NewJob(4);
  Job duplicate_of_stored = NewJob(50);
  duplicate_of_stored.id = existing.id;
  Job duplicate_in_batch = NewJob(10);
  duplicate_in_batch.id = first.id;
  std::vector<Job> issued = {first, second, duplicate_of_stored, third, duplicate_in_batch, fourth};
  // Everything the store's callbacks touch outlives the store's threads (see Releaser).
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::promise<Status>> blockers(2);
  std::vector<std::promise<Status>> outcomes(issued.size());
  std::mutex mutex;
  std::condition_variable listened;
  std::vector<std::size_t> acknowledged_per_commit;
  std::size_t acknowledged = 0;

  auto store = Open();
  ASSERT_TRUE(Insert(*store, existing).ok());

  // Make the next inserts share one transaction: the commit thread is held in a callback, the
  // writer hands one more batch over and then waits with a third, so everything queued meanwhile
  // is taken at once when the commit thread is released.
  struct Releaser {
    std::promise<void>& release;
    SqliteJobStore& store;
    bool done = false;
    void operator()() {
      if (!done) release.set_value();
      done = true;
    }
    ~Releaser() {  // never leave the commit thread stuck, even when an assertion fails
      (*this)();
      store.Close();
    }
  } releaser{release, *store};
  store->InsertJob(NewJob(), [&entered, released](Status) {
    entered.set_value();
    released.wait();
  });
  entered.get_future().wait();
  auto wait_until_committed = [&store](const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!store->GetJob(id).ok()) {  // GET sees a commit before it is synced
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  };
  for (auto& blocker : blockers) {
    Job job = NewJob();
    std::string id = job.id;
    store->InsertJob(std::move(job), [&blocker](Status s) { blocker.set_value(s); });
    ASSERT_TRUE(wait_until_committed(id));
  }

  store->SetCommitListener([&](const std::shared_ptr<const CommittedRecords>&) {
    {
      std::lock_guard lock(mutex);
      acknowledged_per_commit.push_back(acknowledged);
      acknowledged = 0;
    }
    listened.notify_all();
  });
  for (std::size_t i = 0; i < issued.size(); ++i) {
    store->InsertJob(issued[i], [&, i](Status s) {
      {
        std::lock_guard lock(mutex);
        ++acknowledged;
      }
      outcomes[i].set_value(s);
    });
  }
  releaser();
  std::vector<Status> statuses;
  for (auto& outcome : outcomes) statuses.push_back(outcome.get_future().get());
  for (auto& blocker : blockers) EXPECT_TRUE(blocker.get_future().get().ok());
  store->SetCommitListener(nullptr);

  {
    // The precondition of this test: the six inserts were applied in one transaction (the
    // blockers' batches were taken before the listener was set). The listener runs after the
    // callbacks.
    std::unique_lock lock(mutex);
    listened.wait_for(lock, std::chrono::seconds(10), [&] { return !acknowledged_per_commit.empty(); });
    EXPECT_EQ(acknowledged_per_commit, std::vector<std::size_t>{issued.size()});
  }
  for (std::size_t i : {0, 1, 3, 5}) EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].message();
  EXPECT_EQ(statuses[2].code(), StatusCode::kConditionFailed);
  EXPECT_EQ(statuses[4].code(), StatusCode::kConditionFailed);

  // The stored jobs are the first of each id, untouched by the duplicates.
  auto kept = store->GetJob(existing.id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->version, 0);
  EXPECT_EQ(kept->attributes.at("seconds"), boost::json::parse(R"({"N": "5"})"));
  for (const Job& job : {first, second, third, fourth}) {
    auto stored = store->GetJob(job.id);
    ASSERT_TRUE(stored.ok()) << job.id;
    EXPECT_EQ(stored->attributes.at("seconds"), job.attributes.at("seconds"));
  }

  // One record for each stored job, none for the duplicates; applied in the order issued.
  auto records = AllRecords(*store);
  EXPECT_EQ(records.size(), 8u);  // existing, three blockers, four new jobs
  std::map<std::string, std::vector<std::int64_t>> sequences;
  for (const auto& record : records) sequences[record.job_id].push_back(record.sequence);
  ASSERT_EQ(sequences[existing.id].size(), 1u);
  std::int64_t previous = sequences[existing.id].front();
  for (const Job& job : {first, second, third, fourth}) {
    ASSERT_EQ(sequences[job.id].size(), 1u) << job.id;
    EXPECT_GT(sequences[job.id].front(), previous);
    previous = sequences[job.id].front();
  }
  std::set<std::int64_t> unique;
  for (const auto& record : records) unique.insert(record.sequence);
  EXPECT_EQ(unique.size(), records.size());
}

}  // namespace
}  // namespace jobstream::store
