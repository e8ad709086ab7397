// JobStore::ListJobs: newest first, by overall status, paged, kept true by every kind of write,
// and read from an index; and the status column's migration for stores from before it.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

namespace json = boost::json;

// A job whose id sorts `order`-th (ids are time-ordered: a later time, a greater id).
Job JobNumber(int order, int consumers = 1) {
  Job job;
  job.created_at = job.updated_at =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000) + std::chrono::milliseconds(order));
  job.id = NewTimeOrderedUuid(job.created_at);
  job.attributes = stream::ToAttributeMap(json::object{{"seconds", order}});
  for (int i = 1; i <= consumers; ++i) job.consumers["consumer_" + std::to_string(i)] = ConsumerState{};
  return job;
}

class JobListingTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = 2;
    auto opened = SqliteJobStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
  }

  Job Insert(Job job) {
    std::promise<Status> done;
    store_->InsertJob(job, [&done](Status s) { done.set_value(s); });
    EXPECT_TRUE(done.get_future().get().ok());
    return job;
  }

  void SetState(const std::string& id, const std::string& consumer, std::string status) {
    auto current = store_->GetJob(id);
    ASSERT_TRUE(current.ok());
    std::promise<Result<Job>> done;
    store_->UpdateConsumerState(*current, consumer, ConsumerState{std::move(status), nullptr, nullptr},
                                [&done](Result<Job> r) { done.set_value(std::move(r)); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  ItemWriteOutcome WriteItem(const std::string& id, ItemMutation mutate) {
    std::promise<ItemWriteOutcome> done;
    store_->WriteItem(id, std::move(mutate), [&done](ItemWriteOutcome outcome) { done.set_value(std::move(outcome)); });
    return done.get_future().get();
  }

  // The ids ListJobs gives, page by page of `limit`, until it says there is no more.
  std::vector<std::string> AllIds(std::string_view status, std::size_t limit, int* pages = nullptr) {
    std::vector<std::string> ids;
    std::string before;
    for (int page = 1;; ++page) {
      auto listing = store_->ListJobs(status, before, limit);
      EXPECT_TRUE(listing.ok()) << listing.error().message();
      if (!listing.ok()) return ids;
      EXPECT_LE(listing->jobs.size(), limit);
      for (const auto& entry : listing->jobs) {
        ids.push_back(entry.id);
        EXPECT_EQ(entry.item, *store_->GetJobJson(entry.id));
      }
      if (pages != nullptr) *pages = page;
      if (!listing->more) return ids;
      EXPECT_EQ(listing->jobs.size(), limit) << "a page before the last is full";
      before = listing->jobs.back().id;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteJobStore> store_;
};

TEST_F(JobListingTest, JobsComeNewestFirstAcrossPagesWithNoneMissedOrRepeated) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) expected.insert(expected.begin(), Insert(JobNumber(i)).id);
  int pages = 0;
  EXPECT_EQ(AllIds("", 10, &pages), expected);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(AllIds("", 25, &pages), expected);
  EXPECT_EQ(pages, 1) << "a page that holds exactly the rest says there is no more";
  EXPECT_EQ(AllIds("", 1000), expected);
}

TEST_F(JobListingTest, AStatusListsExactlyTheJobsWhoseOverallStatusItIs) {
  std::vector<std::string> failed;
  std::vector<std::string> succeeded;
  std::vector<std::string> running;
  std::vector<std::string> pending;
  for (int i = 0; i < 12; ++i) {
    Job job = Insert(JobNumber(i, 2));
    switch (i % 4) {
      case 0:  // one consumer failed, the other succeeded: Failure
        SetState(job.id, "consumer_1", "Running");
        SetState(job.id, "consumer_1", "Failure");
        SetState(job.id, "consumer_2", "Success");
        failed.insert(failed.begin(), job.id);
        break;
      case 1:
        SetState(job.id, "consumer_1", "Success");
        SetState(job.id, "consumer_2", "Success");
        succeeded.insert(succeeded.begin(), job.id);
        break;
      case 2:  // one consumer failed, the other not done: still Running
        SetState(job.id, "consumer_1", "Failure");
        running.insert(running.begin(), job.id);
        break;
      default:
        pending.insert(pending.begin(), job.id);
    }
  }
  Job filtered = Insert(JobNumber(100, 0));
  EXPECT_EQ(AllIds("Failure", 2), failed);
  EXPECT_EQ(AllIds("Success", 2), succeeded);
  EXPECT_EQ(AllIds("Running", 2), running);
  EXPECT_EQ(AllIds("Pending", 2), pending);
  EXPECT_EQ(AllIds("Filtered", 2), std::vector<std::string>{filtered.id});
  EXPECT_TRUE(AllIds("Nonsense", 2).empty());
  EXPECT_EQ(AllIds("", 100).size(), 13u);

  // A running job that fails moves from one listing to the other.
  SetState(running.front(), "consumer_2", "Failure");
  failed.insert(failed.begin(), running.front());  // the newest of them all (job 10)
  EXPECT_EQ(AllIds("Running", 2), std::vector<std::string>(running.begin() + 1, running.end()));
  EXPECT_EQ(AllIds("Failure", 2), failed);
}

TEST_F(JobListingTest, ItemsTheDynamoDbApiWritesAreListedByTheStatusTheirJobStatusGives) {
  const std::string id = JobNumber(1).id;
  auto item = [&id](std::string_view consumer_status) {
    json::object entry{{"M", json::object{{"status", json::object{{"S", consumer_status}}}}}};
    return json::object{{"id", json::object{{"S", id}}},
                        {"job_status", json::object{{"M", json::object{{"consumer_1", entry}}}}},
                        {"version", json::object{{"N", "0"}}}};
  };
  auto put = [&](json::object written) {
    return WriteItem(id, [written](const std::string*) { return ItemDecision::Put(written); });
  };
  ASSERT_TRUE(put(item("Pending")).status.ok());
  EXPECT_EQ(AllIds("Pending", 10), std::vector<std::string>{id});
  ASSERT_TRUE(put(item("Failure")).status.ok());  // a replace
  EXPECT_TRUE(AllIds("Pending", 10).empty());
  EXPECT_EQ(AllIds("Failure", 10), std::vector<std::string>{id});
  // job_status in a shape no job has: not under any status, still in the whole listing.
  json::object odd = item("Failure");
  odd["job_status"] = json::object{{"S", "done"}};
  ASSERT_TRUE(put(odd).status.ok());
  EXPECT_TRUE(AllIds("Failure", 10).empty());
  EXPECT_EQ(AllIds("", 10), std::vector<std::string>{id});
  // No job_status at all: no consumer entry yet, as GET shows it.
  json::object bare = item("Failure");
  bare.erase("job_status");
  ASSERT_TRUE(put(bare).status.ok());
  EXPECT_EQ(AllIds("Filtered", 10), std::vector<std::string>{id});
  ASSERT_TRUE(WriteItem(id, [](const std::string*) { return ItemDecision::Delete(); }).status.ok());
  EXPECT_TRUE(AllIds("Filtered", 10).empty());
  EXPECT_TRUE(AllIds("", 10).empty());
}

TEST_F(JobListingTest, ListingReadsAnIndexNotTheWholeTable) {
  Status status;
  auto connection = Connection::Open(dir_.path() / "jobs.db", status);
  ASSERT_TRUE(connection) << status.message();
  for (bool by_status : {false, true}) {
    for (bool before : {false, true}) {
      Statement plan(connection->handle(), "EXPLAIN QUERY PLAN " + SqliteJobStore::ListJobsSql(by_status, before));
      std::string details;
      while (plan.Step()) details += std::string(plan.ColumnText(3)) + "; ";
      ASSERT_TRUE(plan.status().ok()) << plan.status().message();
      EXPECT_NE(details.find("USING INDEX"), std::string::npos) << details;
      EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << "sorted by the index, not afterwards: " << details;
      if (by_status) {
        EXPECT_NE(details.find("jobs_by_status"), std::string::npos) << details;
      }
    }
  }
}

TEST_F(JobListingTest, AStoreFromBeforeTheStatusColumnGetsItFilledOnceAtOpen) {
  Job failed = Insert(JobNumber(1));
  SetState(failed.id, "consumer_1", "Failure");
  Job pending = Insert(JobNumber(2));
  store_.reset();
  {
    // Back to the previous schema: no status column, no index.
    Status status;
    auto connection = Connection::Open(dir_.path() / "jobs.db", status);
    ASSERT_TRUE(connection) << status.message();
    ASSERT_TRUE(connection->Execute("DROP INDEX jobs_by_status; ALTER TABLE jobs DROP COLUMN status").ok());
    Statement columns(connection->handle(), "SELECT 1 FROM pragma_table_info('jobs') WHERE name = 'status'");
    ASSERT_FALSE(columns.Step());
  }
  Reopen();
  EXPECT_EQ(AllIds("Failure", 10), std::vector<std::string>{failed.id});
  EXPECT_EQ(AllIds("Pending", 10), std::vector<std::string>{pending.id});
  Reopen();  // idempotent: a second open changes nothing
  EXPECT_EQ(AllIds("Failure", 10), std::vector<std::string>{failed.id});
  SetState(pending.id, "consumer_1", "Failure");
  EXPECT_EQ(AllIds("Failure", 10), (std::vector<std::string>{pending.id, failed.id}));
}

}  // namespace
}  // namespace jobstream::store
