#include "store/item_format_migration.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

constexpr const char* kLegacyItem =
    R"({"id":"0190f1a2-0000-7000-8000-000000000001","parameters":{"seconds":3,"note":"n"},"status":"Failure",)"
    R"("consumers":{"consumer_1":{"status":"Success","results":"I slept for 3 seconds"},)"
    R"("consumer_2":{"status":"Failure","error":{"errorType":"X","errorMessage":"y"}}},"version":5,)"
    R"("createdAt":"2026-12-07T03:40:00.123Z","updatedAt":"2026-12-07T03:40:03.456Z"})";

// A jobs.db as the previous version left it: its schema, one job in the plain item shape, no
// item_format mark.
void WriteLegacyStore(const std::filesystem::path& dir, const std::string& item) {
  Status status;
  auto connection = Connection::Open(dir / "jobs.db", status);
  ASSERT_TRUE(connection) << status.message();
  ASSERT_TRUE(connection
                  ->Execute("CREATE TABLE jobs (id TEXT NOT NULL UNIQUE, item TEXT NOT NULL, version INTEGER NOT NULL);"
                            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;")
                  .ok());
  Statement insert(connection->handle(), "INSERT INTO jobs (id, item, version) VALUES (?1, ?2, 5)");
  ASSERT_TRUE(insert.Bind(1, "0190f1a2-0000-7000-8000-000000000001").Bind(2, item).Run().ok());
}

Result<std::unique_ptr<SqliteJobStore>> Open(const std::filesystem::path& dir) {
  SqliteStoreOptions options;
  options.data_dir = dir;
  return SqliteJobStore::Open(options);
}

TEST(ItemFormatMigrationTest, ALegacyStoreIsRewrittenInTheReferencesShapeOnce) {
  testing::TempDir dir;
  WriteLegacyStore(dir.path(), kLegacyItem);
  {
    auto store = Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto job = (*store)->GetJob("0190f1a2-0000-7000-8000-000000000001");
    ASSERT_TRUE(job.ok()) << job.error().message();
    EXPECT_EQ(job->version, 5);
    EXPECT_EQ(job->AggregateStatus(), "Failure");
    EXPECT_EQ(job->attributes.at("seconds"), boost::json::parse(R"({"N": "3"})"));
    EXPECT_EQ(job->consumers.at("consumer_1").results, boost::json::value("I slept for 3 seconds"));
    EXPECT_EQ(job->consumers.at("consumer_2").error.at("errorType"), "X");
    EXPECT_EQ(ToUnixMillis(job->created_at), 1796614800123);
  }
  // Reopened: already current, read as it was written.
  auto again = Open(dir.path());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ((*again)->GetJob("0190f1a2-0000-7000-8000-000000000001")->version, 5);
}

TEST(ItemFormatMigrationTest, AnUnreadableLegacyItemStopsTheStartAndChangesNothing) {
  testing::TempDir dir;
  WriteLegacyStore(dir.path(), R"({"id": "x"})");
  auto store = Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), StatusCode::kCorruption);
  EXPECT_NE(store.error().message().find("job 0190f1a2-0000-7000-8000-000000000001"), std::string::npos)
      << store.error().message();
  EXPECT_NE(store.error().message().find("jobs.db was not changed"), std::string::npos);
  Status status;
  auto connection = Connection::Open(dir.path() / "jobs.db", status);
  Statement item(connection->handle(), "SELECT item FROM jobs");
  ASSERT_TRUE(item.Step());
  EXPECT_EQ(item.ColumnText(0), R"({"id": "x"})");
}

TEST(ItemFormatMigrationTest, AFormatFromANewerVersionIsRefused) {
  testing::TempDir dir;
  WriteLegacyStore(dir.path(), kLegacyItem);
  {
    Status status;
    auto connection = Connection::Open(dir.path() / "jobs.db", status);
    ASSERT_TRUE(connection->Execute("INSERT INTO meta VALUES ('item_format', 'dynamodb-9')").ok());
  }
  auto store = Open(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find("written by a newer jobstream"), std::string::npos);
}

}  // namespace
}  // namespace jobstream::store
