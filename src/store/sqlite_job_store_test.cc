// The SQLite backend's own behaviour: its bound on space, trimming, sequence numbers across trims
// and restarts, and group commit. What every backend shares is in job_store_contract_test.cc.
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
#include "store/job_store_test_util.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

using test::AllRecords;
using test::Insert;
using test::NewJob;
using test::SaveCheckpoint;
using test::Update;

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

  testing::TempDir dir_;
};

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
