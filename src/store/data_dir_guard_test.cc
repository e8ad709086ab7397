#include "store/data_dir_guard.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

Result<std::unique_ptr<SqliteJobStore>> OpenStore(const fs::path& dir) {
  SqliteStoreOptions options;
  options.data_dir = dir;
  return SqliteJobStore::Open(options);
}

TEST(DataDirGuardTest, ASecondStoreOnTheSameDirectoryIsRefused) {
  testing::TempDir dir;
  auto first = OpenStore(dir.path());
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = OpenStore(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.error().message().find("in use by another jobstream process (pid " + std::to_string(getpid())),
            std::string::npos)
      << second.error().message();
  first->reset();
  EXPECT_TRUE(OpenStore(dir.path()).ok()) << "the lock goes with the store";
}

TEST(DataDirGuardTest, AMissingDatabaseIsRefusedOnceTheDirectoryHeldAStore) {
  testing::TempDir dir;
  ASSERT_TRUE(OpenStore(dir.path()).ok());
  EXPECT_TRUE(fs::exists(dir.path() / kCreatedMarkerFile));
  fs::remove(dir.path() / kDatabaseFile);
  auto reopened = OpenStore(dir.path());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), StatusCode::kCorruption);
  EXPECT_NE(reopened.error().message().find("is missing"), std::string::npos) << reopened.error().message();
  EXPECT_FALSE(fs::exists(dir.path() / kDatabaseFile)) << "nothing is created in its place";
}

TEST(DataDirGuardTest, AnEmptiedDatabaseIsRefused) {
  testing::TempDir dir;
  ASSERT_TRUE(OpenStore(dir.path()).ok());
  WriteFile(dir.path() / kDatabaseFile, "");
  auto reopened = OpenStore(dir.path());
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.error().message().find("is empty"), std::string::npos) << reopened.error().message();
  EXPECT_EQ(fs::file_size(dir.path() / kDatabaseFile), 0U);
}

TEST(DataDirGuardTest, ALogWithADamagedHeaderIsRefused) {
  testing::TempDir dir;
  ASSERT_TRUE(OpenStore(dir.path()).ok());
  // A log with frames behind a header that no longer checks out.
  std::string wal(4096 + 32 + 24, '\x5a');
  WriteFile(dir.path() / "jobs.db-wal", wal);
  Status intact = CheckStoreIntact(dir.path());
  EXPECT_EQ(intact.code(), StatusCode::kCorruption);
  EXPECT_NE(intact.message().find("write-ahead log"), std::string::npos) << intact.message();
}

TEST(DataDirGuardTest, ALogCutShortAtItsHeaderIsNotDamage) {
  testing::TempDir dir;
  ASSERT_TRUE(OpenStore(dir.path()).ok());
  WriteFile(dir.path() / "jobs.db-wal", std::string(32, '\0'));  // a crash before the header's sync
  EXPECT_TRUE(CheckStoreIntact(dir.path()).ok());
}

TEST(DataDirGuardTest, ANewDirectoryIsNotDamage) {
  testing::TempDir dir;
  EXPECT_TRUE(CheckStoreIntact(dir.path()).ok());
  auto store = OpenStore(dir.path() / "new");
  EXPECT_TRUE(store.ok()) << store.error().message();
}

TEST(DataDirGuardTest, ALogWithoutItsDatabaseIsRefused) {
  testing::TempDir dir;
  WriteFile(dir.path() / "jobs.db-wal", std::string(4096, 'x'));
  EXPECT_EQ(CheckStoreIntact(dir.path()).code(), StatusCode::kCorruption);
}

TEST(DataDirGuardTest, AFileThatIsNotADatabaseIsRefused) {
  testing::TempDir dir;
  WriteFile(dir.path() / kDatabaseFile, "hello, this is not SQLite");
  EXPECT_EQ(CheckStoreIntact(dir.path()).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace jobstream::store
