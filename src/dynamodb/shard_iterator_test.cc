#include "dynamodb/shard_iterator.h"

#include <gtest/gtest.h>

namespace jobstream::dynamodb {
namespace {

using std::chrono::minutes;
using std::chrono::system_clock;

constexpr std::string_view kArn = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2026-12-07T03:45:12.123";

auth::SecretKey Key(unsigned char fill) {
  auth::SecretKey key{};
  key.fill(fill);
  return key;
}

TEST(ShardIteratorTest, AnIteratorDecodesToThePositionItWasMadeFor) {
  ShardIterators iterators(Key(1), std::string(kArn), ShardIterators::kLifetime);
  auto now = system_clock::time_point(std::chrono::milliseconds(1'765'000'000'123));
  std::string text = iterators.Encode({3, 41, now});
  EXPECT_LE(text.size(), 2048u);
  auto position = iterators.Decode(text, now + minutes(1));
  ASSERT_TRUE(position.ok()) << position.error().type;
  EXPECT_EQ(position->shard, 3);
  EXPECT_EQ(position->after_sequence, 41);
  EXPECT_EQ(position->created, now);
}

TEST(ShardIteratorTest, AnAlteredIteratorIsAValidationException) {
  ShardIterators iterators(Key(1), std::string(kArn), ShardIterators::kLifetime);
  auto now = system_clock::now();
  std::string text = iterators.Encode({0, 41, now});
  std::string moved = text;
  moved.replace(moved.find(".41."), 4, ".40.");  // a client stepping back one record
  for (const std::string& bad : {moved, text.substr(0, text.size() - 1), std::string("1.0.0.0"), std::string()}) {
    auto position = iterators.Decode(bad, now);
    ASSERT_FALSE(position.ok()) << bad;
    EXPECT_EQ(position.error().type, "com.amazon.coral.validate#ValidationException");
    EXPECT_EQ(position.error().message, "Invalid ShardIterator");
  }
}

TEST(ShardIteratorTest, AnotherKeyOrAnotherStreamDoesNotAcceptTheIterator) {
  ShardIterators iterators(Key(1), std::string(kArn), ShardIterators::kLifetime);
  auto now = system_clock::now();
  std::string text = iterators.Encode({0, 1, now});
  EXPECT_FALSE(ShardIterators(Key(2), std::string(kArn), ShardIterators::kLifetime).Decode(text, now).ok());
  EXPECT_FALSE(ShardIterators(Key(1), "arn:other", ShardIterators::kLifetime).Decode(text, now).ok());
}

TEST(ShardIteratorTest, AfterFifteenMinutesTheIteratorHasExpiredWithKinesissMessage) {
  ShardIterators iterators(Key(1), std::string(kArn), ShardIterators::kLifetime);
  // Thu Jul 02 12:57:57 UTC 2015
  auto created = system_clock::time_point(std::chrono::seconds(1'435'841'877));
  std::string text = iterators.Encode({0, 1, created});
  EXPECT_TRUE(iterators.Decode(text, created + minutes(15)).ok());
  auto expired = iterators.Decode(text, created + minutes(15) + std::chrono::milliseconds(1));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().type, "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException");
  EXPECT_EQ(expired.error().message,
            "Iterator expired. The iterator was created at time Thu Jul 02 12:57:57 UTC 2015 while right now it is "
            "Thu Jul 02 13:12:57 UTC 2015 which is further in the future than the tolerated delay of 900000 "
            "milliseconds.");
}

}  // namespace
}  // namespace jobstream::dynamodb
