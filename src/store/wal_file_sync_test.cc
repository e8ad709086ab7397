#include "store/wal_file_sync.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace jobstream::store {
namespace {

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// What this process's open descriptors on `path` point at, as /proc/self/fd shows them: the path
// itself, or "<path> (deleted)" for a file that was replaced or removed while open.
std::vector<std::string> DescriptorsOn(const std::filesystem::path& path) {
  std::vector<std::string> targets;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code link_ec;
    std::string target = std::filesystem::read_symlink(entry.path(), link_ec).string();
    if (!link_ec && (target == path.string() || target == path.string() + " (deleted)")) targets.push_back(target);
  }
  return targets;
}

class WalFileSyncTest : public ::testing::Test {
 protected:
  // Canonical, as /proc/self/fd spells it.
  std::filesystem::path wal_path() const { return std::filesystem::canonical(dir_.path()) / "jobs.db-wal"; }

  testing::TempDir dir_;
};

TEST_F(WalFileSyncTest, SyncOfAnExistingLogSucceedsAndKeepsOneDescriptor) {
  WriteFile(wal_path(), "frames");
  {
    WalFileSync sync(wal_path());
    ASSERT_TRUE(sync.Sync().ok());
    ASSERT_TRUE(sync.Sync().ok());  // the second sync reuses the descriptor
    EXPECT_EQ(DescriptorsOn(wal_path()), std::vector<std::string>{wal_path().string()});
  }
  EXPECT_TRUE(DescriptorsOn(wal_path()).empty()) << "the destructor closes the log";
}

TEST_F(WalFileSyncTest, MissingLogIsFineOnlyWhenAllowed) {
  WalFileSync sync(wal_path());
  EXPECT_TRUE(sync.Sync(/*missing_ok=*/true).ok());
  Status missing = sync.Sync();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), StatusCode::kIOError);
  EXPECT_TRUE(DescriptorsOn(wal_path()).empty());

  // Once the log exists it is opened and synced.
  WriteFile(wal_path(), "frames");
  EXPECT_TRUE(sync.Sync().ok());
  EXPECT_EQ(DescriptorsOn(wal_path()).size(), 1u);
}

TEST_F(WalFileSyncTest, LogRemovedAfterASyncIsMissingAgain) {
  WriteFile(wal_path(), "frames");
  WalFileSync sync(wal_path());
  ASSERT_TRUE(sync.Sync().ok());
  std::filesystem::remove(wal_path());
  // The descriptor still open on the removed file must not hide that the path has no log.
  EXPECT_EQ(sync.Sync().code(), StatusCode::kIOError);
  EXPECT_TRUE(sync.Sync(/*missing_ok=*/true).ok());
}

TEST_F(WalFileSyncTest, LogReplacedByRenameIsReopened) {
  WriteFile(wal_path(), "old frames");
  WalFileSync sync(wal_path());
  ASSERT_TRUE(sync.Sync().ok());

  std::filesystem::path replacement = dir_.path() / "jobs.db-wal.new";
  WriteFile(replacement, "new frames");
  std::filesystem::rename(replacement, wal_path());
  // The old descriptor now points at an unlinked file: syncing it would make nothing durable.
  ASSERT_EQ(DescriptorsOn(wal_path()), std::vector<std::string>{wal_path().string() + " (deleted)"});

  EXPECT_TRUE(sync.Sync().ok());
  // Reopened on the new file, and the descriptor of the replaced one closed.
  EXPECT_EQ(DescriptorsOn(wal_path()), std::vector<std::string>{wal_path().string()});

  // Replaced once more: still followed.
  WriteFile(replacement, "newer frames");
  std::filesystem::rename(replacement, wal_path());
  EXPECT_TRUE(sync.Sync().ok());
  EXPECT_EQ(DescriptorsOn(wal_path()), std::vector<std::string>{wal_path().string()});
}

}  // namespace
}  // namespace jobstream::store
