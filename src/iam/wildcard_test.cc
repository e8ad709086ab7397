#include "iam/wildcard.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::iam {
namespace {

constexpr auto kSensitive = CaseSensitivity::kSensitive;
constexpr auto kInsensitive = CaseSensitivity::kInsensitive;

TEST(WildcardTest, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(WildcardMatch("*", "", kSensitive));
  EXPECT_TRUE(WildcardMatch("execute-api:*", "execute-api:Invoke", kSensitive));
  EXPECT_TRUE(WildcardMatch("execute-api:*", "execute-api:", kSensitive));
  EXPECT_TRUE(WildcardMatch("arn:*:jobs/*", "arn:aws:x:jobs/a/b", kSensitive));
  EXPECT_FALSE(WildcardMatch("arn:*:jobs/*", "arn:aws:x:job/a", kSensitive));
}

TEST(WildcardTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(WildcardMatch("GET/jobs/?", "GET/jobs/a", kSensitive));
  EXPECT_FALSE(WildcardMatch("GET/jobs/?", "GET/jobs/", kSensitive));
  EXPECT_FALSE(WildcardMatch("GET/jobs/?", "GET/jobs/ab", kSensitive));
}

TEST(WildcardTest, SlashAndColonAreOrdinaryCharacters) {
  // IAM's * crosses path segments: "jobs/*" covers "jobs/a/b" too.
  EXPECT_TRUE(WildcardMatch("a/*", "a/b/c", kSensitive));
  EXPECT_FALSE(WildcardMatch("a/b", "a:b", kSensitive));
}

TEST(WildcardTest, CaseFoldingIsTheCallersChoice) {
  EXPECT_TRUE(WildcardMatch("Execute-API:invoke", "execute-api:Invoke", kInsensitive));
  EXPECT_FALSE(WildcardMatch("Execute-API:invoke", "execute-api:Invoke", kSensitive));
}

TEST(WildcardTest, HostilePatternStaysLinearPerStar) {
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(WildcardMatch(pattern, text, kSensitive));
  EXPECT_TRUE(WildcardMatch(pattern.substr(0, pattern.size() - 1), text, kSensitive));
}

}  // namespace
}  // namespace jobstream::iam
