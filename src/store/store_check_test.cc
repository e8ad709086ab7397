#include "store/store_check.h"

#include <gtest/gtest.h>

#include <future>

#include "common/uuid.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_job_store.h"
#include "store/store_backup.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<SqliteJobStore> OpenStore(const fs::path& dir) {
  SqliteStoreOptions options;
  options.data_dir = dir;
  auto store = SqliteJobStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return std::move(store).value();
}

std::vector<std::string> InsertJobs(JobStore& store, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    Job job;
    job.id = NewUuid();
    job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", i + 1}});
    job.consumers["consumer_1"] = ConsumerState{};
    job.created_at = job.updated_at = std::chrono::system_clock::now();
    ids.push_back(job.id);
    std::promise<Status> done;
    store.InsertJob(std::move(job), [&done](Status s) { done.set_value(s); });
    EXPECT_TRUE(done.get_future().get().ok());
  }
  return ids;
}

void Execute(const fs::path& dir, const std::string& sql) {
  Status status;
  auto connection = Connection::Open(dir / "jobs.db", status);
  ASSERT_TRUE(connection) << status.message();
  ASSERT_TRUE(connection->Execute(sql).ok()) << sql;
}

TEST(StoreCheckTest, AConsistentStorePassesBesideARunningServer) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  InsertJobs(*store, 10);
  auto report = CheckStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  EXPECT_EQ(report->jobs, 10);
  EXPECT_EQ(report->records, 10);
  EXPECT_EQ(report->shards, 4);
}

TEST(StoreCheckTest, UnreadableItemsOrphansAndCheckpointsAheadAreReported) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  auto ids = InsertJobs(*store, 3);
  Execute(dir.path(), "UPDATE jobs SET item = '{\"broken' WHERE id = '" + ids[0] + "'");
  Execute(dir.path(), "UPDATE jobs SET version = 7 WHERE id = '" + ids[1] + "'");
  Execute(dir.path(), "UPDATE jobs SET status = 'Failure' WHERE id = '" + ids[2] + "'");
  Execute(dir.path(), "INSERT INTO checkpoints (consumer, shard, seq) VALUES ('consumer_1', 0, 999)");
  Execute(dir.path(),
          "INSERT INTO stream (seq, shard, job_id, event_name, created_ms, record) "
          "VALUES (500, 9, 'nobody', 'INSERT', 0, '{}')");
  auto report = CheckStore(dir.path());
  ASSERT_TRUE(report.ok()) << report.error().message();
  std::string all;
  for (const auto& problem : report->problems) all += problem + "\n";
  EXPECT_NE(all.find("job " + ids[0] + ": stored job item"), std::string::npos) << all;
  EXPECT_NE(all.find("version 7 in its row"), std::string::npos) << all;
  EXPECT_NE(all.find("job " + ids[2] + ": status Failure in its row, Pending by its item"), std::string::npos) << all;
  EXPECT_NE(all.find("is in shard 9"), std::string::npos) << all;
  EXPECT_NE(all.find("belongs to job nobody"), std::string::npos) << all;
  EXPECT_NE(all.find("checkpointed at 999"), std::string::npos) << all;
}

TEST(StoreCheckTest, NoDatabaseIsNotFoundAndCreatesNothing) {
  testing::TempDir dir;
  auto report = CheckStore(dir.path() / "typo");
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir.path() / "typo"));
}

TEST(StoreBackupTest, AnOnlineBackupHoldsEveryCommittedJobAndOpensAsAStore) {
  testing::TempDir dir;
  testing::TempDir restored;
  std::vector<std::string> ids;
  {
    auto store = OpenStore(dir.path());
    ids = InsertJobs(*store, 20);
    ASSERT_TRUE(BackupStore(dir.path(), restored.path() / "jobs.db").ok());
    EXPECT_EQ(BackupStore(dir.path(), restored.path() / "jobs.db").code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists(restored.path() / "jobs.db.partial"));
  auto check = CheckStore(restored.path());
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->problems.empty());
  auto store = OpenStore(restored.path());
  for (const auto& id : ids) EXPECT_TRUE(store->GetJob(id).ok()) << id;
}

}  // namespace
}  // namespace jobstream::store
