#include "store/sqlite_job_store.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <thread>

#include "common/uuid.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

Job NewJob(int seconds = 1) {
  Job job;
  job.id = NewUuid();
  job.parameters = boost::json::object{{"seconds", seconds}};
  job.consumers["consumer_1"] = ConsumerState{};
  job.consumers["consumer_2"] = ConsumerState{};
  job.created_at = job.updated_at = std::chrono::system_clock::now();
  return job;
}

class SqliteJobStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJobStore> Open(int shards = 4) {
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = shards;
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

TEST_F(SqliteJobStoreTest, InsertedJobIsReadableWithVersionOneAndOneInsertRecord) {
  auto store = Open();
  Job job = NewJob(7);
  ASSERT_TRUE(Insert(*store, job).ok());

  auto read = store->GetJob(job.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->version, 1);
  EXPECT_EQ(read->AggregateStatus(), "Pending");
  EXPECT_EQ(read->parameters.at("seconds").as_int64(), 7);

  auto records = AllRecords(*store);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].shard, stream::ShardOf(job.id, 4));
  auto record = boost::json::parse(records[0].json).as_object();
  EXPECT_EQ(record.at("eventName").as_string(), "INSERT");
  EXPECT_EQ(records[0].event_name, "INSERT");
  EXPECT_EQ(record.at("dynamodb").at("SequenceNumber").as_string(), stream::FormatSequenceNumber(records[0].sequence));
  const auto& dynamodb = record.at("dynamodb").as_object();
  EXPECT_EQ(dynamodb.at("Keys").at("id").at("S").as_string(), job.id);
  EXPECT_EQ(dynamodb.at("NewImage").at("parameters").at("M").at("seconds").at("N").as_string(), "7");
  EXPECT_EQ(dynamodb.at("StreamViewType").as_string(), "NEW_IMAGE");
  EXPECT_FALSE(dynamodb.contains("OldImage"));
}

TEST_F(SqliteJobStoreTest, UnknownJobIsNotFound) {
  auto store = Open();
  EXPECT_EQ(store->GetJob(NewUuid()).error().code(), StatusCode::kNotFound);
  Job never_stored = NewJob();
  never_stored.version = 1;
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
  EXPECT_EQ(last->version, 5);
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
  EXPECT_EQ(final_image.at("status").at("S").as_string(), "Success");
  EXPECT_EQ(final_image.at("version").at("N").as_string(), "5");
}

TEST_F(SqliteJobStoreTest, StaleVersionIsRejectedAndChangesNothing) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  Job version_one = *store->GetJob(job.id);
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Running", nullptr, nullptr}).ok());
  auto stale = Update(*store, job.id, "consumer_2", {"Running", nullptr, nullptr}, &version_one);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), StatusCode::kConditionFailed);
  EXPECT_EQ(store->GetJob(job.id)->version, 2);
  EXPECT_EQ(AllRecords(*store).size(), 2u);
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

TEST_F(SqliteJobStoreTest, CommitListenerHearsOfTheShardAfterTheRecordIsReadable) {
  auto store = Open(4);
  std::promise<std::size_t> heard;
  Job job = NewJob();
  int shard = stream::ShardOf(job.id, 4);
  store->SetCommitListener([&](const std::vector<int>& shards) {
    if (std::find(shards.begin(), shards.end(), shard) != shards.end()) {
      heard.set_value(store->ReadStream(shard, 0, 10)->size());
    }
  });
  ASSERT_TRUE(Insert(*store, job).ok());
  EXPECT_EQ(heard.get_future().get(), 1u);
  store->SetCommitListener(nullptr);
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
  EXPECT_EQ(modify.at("OldImage").at("version").at("N").as_string(), "1");
  EXPECT_EQ(modify.at("NewImage").at("version").at("N").as_string(), "2");
}

TEST_F(SqliteJobStoreTest, WritesAfterCloseAreRefused) {
  auto store = Open();
  store->Close();
  EXPECT_EQ(Insert(*store, NewJob()).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace jobstream::store
