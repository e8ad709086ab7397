#include "iam/account_id.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace jobstream::iam {
namespace {

TEST(AccountIdTest, MadeOnceAndPrivateThenTheSameEveryTime) {
  testing::TempDir dir;
  auto first = LoadOrCreateAccountId(dir.path());
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(ValidAccountId(*first)) << *first;
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() / "account").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(*LoadOrCreateAccountId(dir.path()), *first);
}

TEST(AccountIdTest, ADamagedFileIsAnErrorNotANewAccount) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "account") << "12345\n";
  auto loaded = LoadOrCreateAccountId(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("12-digit"), std::string::npos);
}

TEST(AccountIdTest, TheConfiguredIdIsTakenOnlyWhenTheDirectoryIsNew) {
  testing::TempDir dir;
  EXPECT_EQ(*LoadOrCreateAccountId(dir.path(), "123456789012"), "123456789012");
  EXPECT_EQ(*LoadOrCreateAccountId(dir.path(), "999999999999"), "123456789012");
  testing::TempDir other;
  EXPECT_FALSE(LoadOrCreateAccountId(other.path(), "12345").ok());
}

}  // namespace
}  // namespace jobstream::iam
