#include "auth/session_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testing/temp_dir.h"

namespace jobstream::auth {
namespace {

TemporaryCredential Example() {
  TemporaryCredential temporary;
  temporary.credential = {"alice", "ASIAEXAMPLE", "secret/with+chars", true, "2026-12-07T00:00:00Z"};
  temporary.session = {"JobsAPIInvokeRole", "s1", R"({"Statement": []})",
                       std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
  return temporary;
}

TEST(SessionTokensTest, SealedTokenOpensToWhatWasSealed) {
  SessionTokens tokens({1, 2, 3});
  auto token = tokens.Seal(Example());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->find("secret"), std::string::npos) << "the secret is not readable in the token";
  auto opened = tokens.Open(*token);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->credential.access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(opened->credential.secret_access_key, "secret/with+chars");
  EXPECT_EQ(opened->credential.user_name, "alice");
  EXPECT_EQ(opened->session.role_name, "JobsAPIInvokeRole");
  EXPECT_EQ(opened->session.session_name, "s1");
  EXPECT_EQ(opened->session.session_policy, R"({"Statement": []})");
  EXPECT_EQ(opened->session.expiration, Example().session.expiration);
  EXPECT_NE(*tokens.Seal(Example()), *token) << "a fresh nonce every time";
}

TEST(SessionTokensTest, AlteredTruncatedOrForeignTokensDoNotOpen) {
  SessionTokens tokens({1, 2, 3});
  std::string token = *tokens.Seal(Example());
  for (std::size_t i = 0; i < token.size(); i += 7) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens.Open(altered).has_value()) << "byte " << i;
  }
  EXPECT_FALSE(tokens.Open(token.substr(0, token.size() - 4)).has_value());
  EXPECT_FALSE(tokens.Open("").has_value());
  EXPECT_FALSE(tokens.Open("not base64 at all!").has_value());
  EXPECT_FALSE(tokens.Open(std::string(SessionTokens::kMaxTokenLength + 4, 'A')).has_value());
  SessionTokens other({9});
  EXPECT_FALSE(other.Open(token).has_value());
}

TEST(SessionTokensTest, KeyIsMadeOncePrivateAndKeptAcrossOpens) {
  testing::TempDir dir;
  auto first = SessionTokens::Load(dir.path());
  ASSERT_TRUE(first.ok()) << first.error().message();
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() / "session-token.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::string token = *(*first)->Seal(Example());
  auto second = SessionTokens::Load(dir.path());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->Open(token).has_value()) << "a restart keeps tokens valid";
  // flawfinder: ignore (a test's own temporary directory)
  ASSERT_EQ(::chmod((dir.path() / "session-token.key").c_str(), 0644), 0);
  EXPECT_FALSE(SessionTokens::Load(dir.path()).ok());
}

}  // namespace
}  // namespace jobstream::auth
