#include "functions/function_credentials.h"

#include <gtest/gtest.h>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

TEST(CredentialRefreshMarginTest, TheTimeoutAndFiveMinutesOrAFifthOfAShortLifetimeAtMostHalfOfIt) {
  EXPECT_EQ(CredentialRefreshMargin(300s, 3600s), 600s);
  EXPECT_EQ(CredentialRefreshMargin(60s, 43200s), 360s);
  EXPECT_EQ(CredentialRefreshMargin(2s, 20s), 6s);
  EXPECT_EQ(CredentialRefreshMargin(900s, 900s), 450s);  // fresh credentials always serve
}

// A clock the test moves, and a mint that counts.
class CredentialCacheTest : public ::testing::Test {
 protected:
  CredentialCache cache_{[this]() -> Result<FunctionCredentials> {
                           ++minted_;
                           if (fail_) return Status::NotFound("the role r does not exist");
                           return FunctionCredentials{"ASIA" + std::to_string(minted_), "secret", "token", now_ + 100s};
                         },
                         [this] { return now_; }};
  std::chrono::system_clock::time_point now_{std::chrono::sys_days{std::chrono::year{2026} / 12 / 8}};
  int minted_ = 0;
  bool fail_ = false;
};

TEST_F(CredentialCacheTest, ReusedWhileTheyOutlastTheInvocationAndMintedAgainBefore) {
  auto first = cache_.ValidFor(10s);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->access_key_id, "ASIA1");
  // Margin 10 s + 20 s (a fifth of 100 s): the same until 70 s have passed.
  now_ += 70s;
  EXPECT_EQ(cache_.ValidFor(10s)->access_key_id, "ASIA1");
  now_ += 1s;
  EXPECT_EQ(cache_.ValidFor(10s)->access_key_id, "ASIA2");
  // A longer invocation needs more of them left (at most half their lifetime): 45 s are left.
  now_ += 55s;
  EXPECT_EQ(cache_.ValidFor(10s)->access_key_id, "ASIA2");
  EXPECT_EQ(cache_.ValidFor(1000s)->access_key_id, "ASIA3");
  EXPECT_EQ(minted_, 3);
}

TEST_F(CredentialCacheTest, AFailedMintIsReportedAndTriedAgain) {
  fail_ = true;
  auto failed = cache_.ValidFor(10s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "the role r does not exist");
  fail_ = false;
  EXPECT_TRUE(cache_.ValidFor(10s).ok());
}

TEST(FunctionCredentialsTest, EnvironmentHasTheKeyItsSecretAndTheSessionToken) {
  FunctionCredentials credentials{"ASIAX", "s3cr3t", "tok", {}};
  EXPECT_EQ(
      credentials.EnvironmentStrings(),
      (std::vector<std::string>{"AWS_ACCESS_KEY_ID=ASIAX", "AWS_SECRET_ACCESS_KEY=s3cr3t", "AWS_SESSION_TOKEN=tok"}));
  EXPECT_TRUE(FunctionCredentials{}.EnvironmentStrings().empty());
}

}  // namespace
}  // namespace jobstream::functions
