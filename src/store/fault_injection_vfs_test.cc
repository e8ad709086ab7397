#include "store/fault_injection_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

constexpr std::size_t kSector = 512;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One file opened through the VFS as SQLite would open a database.
class RawFile {
 public:
  RawFile(const std::string& vfs_name, const std::filesystem::path& path)
      : vfs_(sqlite3_vfs_find(vfs_name.c_str())),
        memory_(static_cast<std::size_t>(vfs_->szOsFile)),
        name_(path.string() + std::string(4, '\0')) {  // an SQLite filename ends in empty URI parameters
    int out_flags = 0;
    open_rc_ = vfs_->xOpen(vfs_, name_.c_str(), file(),
                           SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, &out_flags);
  }
  ~RawFile() { Close(); }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  int open_rc() const { return open_rc_; }
  int Write(const std::string& data, std::int64_t offset) {
    return file()->pMethods->xWrite(file(), data.data(), static_cast<int>(data.size()), offset);
  }
  int Sync() { return file()->pMethods->xSync(file(), SQLITE_SYNC_NORMAL); }
  void Close() {
    if (open_rc_ == SQLITE_OK && file()->pMethods != nullptr) file()->pMethods->xClose(file());
    open_rc_ = SQLITE_CANTOPEN;
  }

 private:
  sqlite3_file* file() { return reinterpret_cast<sqlite3_file*>(memory_.data()); }

  sqlite3_vfs* vfs_;
  std::vector<char> memory_;
  std::string name_;
  int open_rc_ = SQLITE_CANTOPEN;
};

class FaultInjectionVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto vfs = FaultInjectionVfs::Register("jobstream-fault-test", kSector);
    ASSERT_TRUE(vfs.ok()) << vfs.error().message();
    vfs_ = std::move(vfs).value();
  }

  std::filesystem::path path() const { return dir_.path() / "data.db"; }

  testing::TempDir dir_;
  std::unique_ptr<FaultInjectionVfs> vfs_;
};

TEST_F(FaultInjectionVfsTest, PowerLossDropsWhatWasNotSynced) {
  {
    RawFile file(vfs_->name(), path());
    ASSERT_EQ(file.open_rc(), SQLITE_OK);
    ASSERT_EQ(file.Write(std::string(4 * kSector, 'A'), 0), SQLITE_OK);
    ASSERT_EQ(file.Sync(), SQLITE_OK);
    ASSERT_EQ(file.Write(std::string(kSector, 'B'), kSector), SQLITE_OK);      // overwritten
    ASSERT_EQ(file.Write(std::string(kSector, 'C'), 4 * kSector), SQLITE_OK);  // appended
    vfs_->CrashNow();
  }
  ASSERT_EQ(ReadAll(path()).size(), 5 * kSector) << "the running process sees its writes";
  ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 1).ok());
  EXPECT_EQ(ReadAll(path()), std::string(4 * kSector, 'A'));
}

TEST_F(FaultInjectionVfsTest, EveryOperationFromTheCrashPointOnFails) {
  RawFile file(vfs_->name(), path());
  ASSERT_EQ(file.open_rc(), SQLITE_OK);
  auto log_sync = vfs_->LogSyncFactory()(path());
  vfs_->ArmCrash(3);
  EXPECT_EQ(file.Write("a", 0), SQLITE_OK);
  EXPECT_TRUE(log_sync->Sync().ok());
  EXPECT_FALSE(vfs_->crashed());
  EXPECT_EQ(file.Write("b", 1), SQLITE_IOERR_WRITE);  // the third: the crash point
  EXPECT_TRUE(vfs_->crashed());
  EXPECT_EQ(vfs_->crash_point(), "write db");
  EXPECT_EQ(file.Sync(), SQLITE_IOERR_FSYNC);
  EXPECT_EQ(log_sync->Sync().code(), StatusCode::kIOError);
  EXPECT_EQ(file.Write("c", 2), SQLITE_IOERR_WRITE);
  file.Close();
  ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 1).ok());
  EXPECT_EQ(ReadAll(path()), "a") << "synced through the FileSync before the crash point";
  EXPECT_FALSE(vfs_->crashed()) << "after the power cut the files can be used again";
}

TEST_F(FaultInjectionVfsTest, CrashPointCanBeAimedAtOneKindOfOperation) {
  RawFile file(vfs_->name(), path());
  ASSERT_EQ(file.open_rc(), SQLITE_OK);
  vfs_->ArmCrash(2, "sync");
  // (Not one byte: the unix VFS reports a 1-byte file as empty, a workaround of its own.)
  EXPECT_EQ(file.Write("aa", 0), SQLITE_OK);
  EXPECT_EQ(file.Sync(), SQLITE_OK);
  EXPECT_EQ(file.Write("bb", 2), SQLITE_OK);
  EXPECT_EQ(file.Sync(), SQLITE_IOERR_FSYNC);  // the second sync
  EXPECT_EQ(vfs_->crash_point(), "sync db");
  file.Close();
  ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 1).ok());
  EXPECT_EQ(ReadAll(path()), "aa");
}

TEST_F(FaultInjectionVfsTest, PowerLossWhileAFileIsOpenIsRefused) {
  RawFile file(vfs_->name(), path());
  ASSERT_EQ(file.open_rc(), SQLITE_OK);
  vfs_->CrashNow();
  EXPECT_EQ(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 1).code(), StatusCode::kInternal);
}

TEST_F(FaultInjectionVfsTest, TearKeepsEachUnsyncedSectorWholeOldOrNew) {
  int mixed = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    {
      RawFile file(vfs_->name(), path());
      ASSERT_EQ(file.open_rc(), SQLITE_OK);
      ASSERT_EQ(file.Write(std::string(8 * kSector, 'A'), 0), SQLITE_OK);
      ASSERT_EQ(file.Sync(), SQLITE_OK);
      ASSERT_EQ(file.Write(std::string(8 * kSector, 'B'), 0), SQLITE_OK);
      ASSERT_EQ(file.Write(std::string(2 * kSector, 'C'), 8 * kSector), SQLITE_OK);
      vfs_->CrashNow();
    }
    ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kTear, seed).ok());
    std::string torn = ReadAll(path());
    ASSERT_TRUE(torn.size() == 8 * kSector || torn.size() == 10 * kSector) << torn.size();
    std::set<char> seen;
    for (std::size_t sector = 0; sector < torn.size() / kSector; ++sector) {
      std::string content = torn.substr(sector * kSector, kSector);
      char first = content.front();
      EXPECT_EQ(content, std::string(kSector, first)) << "sector " << sector << " is itself torn";
      EXPECT_TRUE(sector < 8 ? (first == 'A' || first == 'B') : (first == 'C' || first == '\0'))
          << "sector " << sector << " holds " << first;
      if (sector < 8) seen.insert(first);
    }
    if (seen.size() == 2) mixed += 1;
  }
  EXPECT_GT(mixed, 10) << "tears should mostly mix synced and unsynced sectors";
}

// Through SQLite itself: only a sync of the log (here through the store's FileSync) keeps a commit
// made with synchronous=NORMAL.
TEST_F(FaultInjectionVfsTest, CommitSurvivesOnlyIfTheLogWasSyncedThroughTheFileSync) {
  auto run = [&](const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs_->name().c_str()),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    return db;
  };
  auto count = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READWRITE, vfs_->name().c_str()), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    int rows = -1;  // no table
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      rows = sqlite3_column_int(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  };
  sqlite3* db = run("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  ASSERT_TRUE(vfs_->LogSyncFactory()(path().string() + "-wal")->Sync().ok());
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO t VALUES (2)", nullptr, nullptr, nullptr), SQLITE_OK);
  vfs_->CrashNow();
  sqlite3_close(db);
  ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 1).ok());
  EXPECT_FALSE(std::filesystem::exists(path().string() + "-shm")) << "shared memory does not survive";
  EXPECT_EQ(count(), 1) << "the synced commit stays, the unsynced one goes";

  db = run("INSERT INTO t VALUES (3)");
  vfs_->CrashNow();
  sqlite3_close(db);
  ASSERT_TRUE(vfs_->SimulatePowerLoss(FaultInjectionVfs::CrashMode::kDrop, 2).ok());
  EXPECT_EQ(count(), 1) << "never synced: gone";
}

}  // namespace
}  // namespace jobstream::store
