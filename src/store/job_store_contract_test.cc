// The behaviour every JobStore backend shares (store/job_store.h), tested through the interface
// alone: each backend joins the suite with a line in kBackends below, and passes it unchanged.
// Backend-specific behaviour (files, logs, bounds, trimming) is tested beside each backend
// (sqlite_job_store_test.cc).
#include "store/job_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/uuid.h"
#include "store/job_store_test_util.h"
#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

using test::AllRecords;
using test::Insert;
using test::NewJob;
using test::SaveCheckpoint;
using test::Update;

// What the suite varies, in terms every backend understands.
struct ContractStoreOptions {
  int shards = 4;  // fixed when the store is created
  stream::StreamViewType view_type = stream::StreamViewType::kNewImage;
  std::string region = "us-east-1";
  std::string account_id;  // empty: the backend chooses one
  std::string table_name = "jobs";
};

// A backend under test: opens its store at `place` (a fresh directory per test; opening the same
// place again reaches the same data, as a restart does).
struct Backend {
  std::string name;
  std::function<std::unique_ptr<JobStore>(const std::filesystem::path& place, const ContractStoreOptions&)> open_store;
};

std::unique_ptr<JobStore> OpenSqlite(const std::filesystem::path& place, const ContractStoreOptions& contract) {
  SqliteStoreOptions options;
  options.data_dir = place;
  options.shards = contract.shards;
  options.view_type = contract.view_type;
  options.region = contract.region;
  options.account_id = contract.account_id;
  options.table_name = contract.table_name;
  auto store = SqliteJobStore::Open(std::move(options));
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

class JobStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<JobStore> Open(int shards = 4) {
    ContractStoreOptions options;
    options.shards = shards;
    return OpenWith(options);
  }
  std::unique_ptr<JobStore> OpenWith(const ContractStoreOptions& options) {
    auto store = GetParam().open_store(dir_.path(), options);
    if (store == nullptr) ADD_FAILURE() << GetParam().name << " did not open";
    return store;
  }

  testing::TempDir dir_;
};

TEST_P(JobStoreContract, InsertedJobIsReadableWithVersionZeroAndOneInsertRecord) {
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

TEST_P(JobStoreContract, UnknownJobIsNotFound) {
  auto store = Open();
  EXPECT_EQ(store->GetJob(NewUuid()).error().code(), StatusCode::kNotFound);
  Job never_stored = NewJob();
  EXPECT_EQ(Update(*store, never_stored.id, "consumer_1", {}, &never_stored).error().code(), StatusCode::kNotFound);
}

TEST_P(JobStoreContract, EveryUpdateBumpsVersionAndAppendsOneModifyRecordInOrder) {
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

TEST_P(JobStoreContract, InsertRecordsCarryTheJobAsItIsNowAndModifyRecordsNothing) {
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

TEST_P(JobStoreContract, StaleVersionIsRejectedAndChangesNothing) {
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

TEST_P(JobStoreContract, DuplicateIdIsRefusedWithoutARecord) {
  auto store = Open();
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  EXPECT_EQ(Insert(*store, job).code(), StatusCode::kConditionFailed);
  EXPECT_EQ(AllRecords(*store).size(), 1u);
}

TEST_P(JobStoreContract, BatchInsertIsAllOrNothing) {
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

TEST_P(JobStoreContract, ConcurrentInsertsAllCommitAndSequencesAreUnique) {
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

TEST_P(JobStoreContract, JobsRecordsAndCheckpointsSurviveReopen) {
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

TEST_P(JobStoreContract, ShardCountIsFixedWhenTheDataDirectoryIsCreated) {
  { auto store = Open(3); }
  auto store = Open(8);
  EXPECT_EQ(store->shard_count(), 3);
}

TEST_P(JobStoreContract, AccountAndTableAreFixedWhenTheDataDirectoryIsCreatedAndNamedByEveryRecord) {
  auto open_store = [this](std::string account_id, std::string table_name) {
    ContractStoreOptions options;
    options.region = "eu-west-1";
    options.account_id = std::move(account_id);
    options.table_name = std::move(table_name);
    return OpenWith(options);
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

TEST_P(JobStoreContract, WithoutAnAccountIdTheStoreTakesARandomOneAndTheDefaultTable) {
  auto store = Open();
  EXPECT_TRUE(ValidateAccountId(store->account().id).ok()) << store->account().id;
  EXPECT_EQ(store->account().table_name, "jobs");
}

TEST_P(JobStoreContract, CommitListenerHearsOfTheShardAfterTheRecordIsReadable) {
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
TEST_P(JobStoreContract, CommitListenerGetsTheCommittedRecordsAsTheStreamHoldsThem) {
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

TEST_P(JobStoreContract, NewAndOldImagesCarryThePreviousItem) {
  ContractStoreOptions options;
  options.view_type = stream::StreamViewType::kNewAndOldImages;
  auto store = OpenWith(options);
  Job job = NewJob();
  ASSERT_TRUE(Insert(*store, job).ok());
  ASSERT_TRUE(Update(*store, job.id, "consumer_1", {"Running", nullptr, nullptr}).ok());
  auto records = store->ReadStream(stream::ShardOf(job.id, 4), 0, 10);
  ASSERT_EQ(records->size(), 2u);
  auto modify = boost::json::parse((*records)[1].json).at("dynamodb");
  EXPECT_EQ(modify.at("OldImage").at("version").at("N").as_string(), "0");
  EXPECT_EQ(modify.at("NewImage").at("version").at("N").as_string(), "1");
}

TEST_P(JobStoreContract, WritesAfterCloseAreRefused) {
  auto store = Open();
  store->Close();
  EXPECT_EQ(Insert(*store, NewJob()).code(), StatusCode::kUnavailable);
}

TEST_P(JobStoreContract, CommitListenerRunsAfterTheCallbacksAndSeesExactlyTheAcknowledgedRecords) {
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

INSTANTIATE_TEST_SUITE_P(Backends, JobStoreContract, ::testing::Values(Backend{"Sqlite", OpenSqlite}),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace jobstream::store
