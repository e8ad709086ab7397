// JobStore::ReadShardBounds on the SQLite backend: the trim mark that tells a trimmed record from a
// sequence number that was never in the shard (numbers are shared by all shards).
#include <gtest/gtest.h>

#include <future>

#include "common/uuid.h"
#include "store/sqlite_job_store.h"
#include "stream/dynamo_json.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

class ShardBoundsTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteJobStore> Open() {
    SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = 2;
    auto store = SqliteJobStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return std::move(store).value();
  }

  static void Insert(JobStore& store, int count) {
    for (int i = 0; i < count; ++i) {
      Job job;
      job.id = NewUuid();
      job.attributes = stream::ToAttributeMap(boost::json::object{{"seconds", 1}});
      job.created_at = job.updated_at = std::chrono::system_clock::now();
      std::promise<Status> done;
      store.InsertJob(std::move(job), [&done](Status s) { done.set_value(s); });
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }

  testing::TempDir dir_;
};

TEST_F(ShardBoundsTest, BoundsAreTheShardsOldestAndNewestRecordsAndNoTrimMarkBeforeAnyTrim) {
  auto store = Open();
  Insert(*store, 20);
  for (int shard = 0; shard < 2; ++shard) {
    auto records = store->ReadStream(shard, 0, 100);
    ASSERT_TRUE(records.ok());
    ASSERT_FALSE(records->empty());
    auto bounds = store->ReadShardBounds(shard);
    ASSERT_TRUE(bounds.ok());
    EXPECT_EQ(bounds->trimmed_through, 0);
    EXPECT_EQ(bounds->first, records->front().sequence);
    EXPECT_EQ(bounds->last, records->back().sequence);
  }
}

TEST_F(ShardBoundsTest, TrimMarkIsTheLastTrimmedRecordOfTheShardAndSurvivesReopen) {
  std::int64_t last_before_trim = 0;
  {
    auto store = Open();
    Insert(*store, 10);
    last_before_trim = store->ReadShardBounds(0)->last;
    ASSERT_GT(last_before_trim, 0);
    ASSERT_TRUE(store->TrimNow(std::chrono::system_clock::now() + std::chrono::hours(25)).ok());
    auto trimmed = store->ReadShardBounds(0);
    ASSERT_TRUE(trimmed.ok());
    EXPECT_EQ(trimmed->trimmed_through, last_before_trim);
    EXPECT_EQ(trimmed->first, 0) << "every record was old enough to go";
    EXPECT_EQ(trimmed->last, 0);
    store->Close();
  }
  auto store = Open();
  EXPECT_EQ(store->ReadShardBounds(0)->trimmed_through, last_before_trim);
  Insert(*store, 10);
  auto bounds = store->ReadShardBounds(0);
  EXPECT_EQ(bounds->trimmed_through, last_before_trim);
  EXPECT_GT(bounds->first, last_before_trim);
}

}  // namespace
}  // namespace jobstream::store
