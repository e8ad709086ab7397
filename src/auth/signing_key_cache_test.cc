// The signing-key cache returns what derivation would, stays within its bound, and is safe to
// share between threads.
#include "auth/signing_key_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace jobstream::auth {
namespace {

TEST(SigningKeyCacheTest, ReturnsTheDerivedKeyForEachInputTuple) {
  SigningKeyCache cache;
  for (const char* secret : {"secret-a", "secret-b"}) {
    for (const char* date : {"20150830", "20150831"}) {
      EXPECT_EQ(cache.Get(secret, date, "us-east-1", "execute-api"),
                DeriveSigningKey(secret, date, "us-east-1", "execute-api"));
    }
  }
  EXPECT_EQ(cache.size(), 4u);
  // A hit leaves the cache as it was.
  EXPECT_EQ(cache.Get("secret-a", "20150830", "us-east-1", "execute-api"),
            DeriveSigningKey("secret-a", "20150830", "us-east-1", "execute-api"));
  EXPECT_EQ(cache.size(), 4u);
}

TEST(SigningKeyCacheTest, FieldsDoNotRunIntoEachOther) {
  SigningKeyCache cache;
  Sha256Digest a = cache.Get("ab", "c", "r", "s");
  Sha256Digest b = cache.Get("a", "bc", "r", "s");
  EXPECT_NE(a, b);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SigningKeyCacheTest, LongSecretsAreKeptApartToo) {
  SigningKeyCache cache;
  std::string long_secret(300, 's');
  std::string other_long_secret = long_secret + "t";
  EXPECT_EQ(cache.Get(long_secret, "20150830", "r", "s"), DeriveSigningKey(long_secret, "20150830", "r", "s"));
  EXPECT_EQ(cache.Get(other_long_secret, "20150830", "r", "s"),
            DeriveSigningKey(other_long_secret, "20150830", "r", "s"));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get(long_secret, "20150830", "r", "s"), DeriveSigningKey(long_secret, "20150830", "r", "s"));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SigningKeyCacheTest, StaysWithinCapacityEvictingTheLeastRecentlyUsed) {
  SigningKeyCache cache(2);
  cache.Get("one", "20150830", "r", "s");
  cache.Get("two", "20150830", "r", "s");
  cache.Get("one", "20150830", "r", "s");    // "two" is now the least recently used
  cache.Get("three", "20150830", "r", "s");  // evicts "two"
  EXPECT_EQ(cache.size(), 2u);
  cache.Get("one", "20150830", "r", "s");  // still cached: no growth
  EXPECT_EQ(cache.size(), 2u);
  for (int i = 0; i < 100; ++i) cache.Get("k" + std::to_string(i), "20150830", "r", "s");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SigningKeyCacheTest, ConcurrentReadersAllGetTheRightKey) {
  SigningKeyCache cache(8);
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 200; ++i) {
        std::string secret = "secret-" + std::to_string(i % 16);
        if (cache.Get(secret, "20150830", "us-east-1", "execute-api") !=
            DeriveSigningKey(secret, "20150830", "us-east-1", "execute-api")) {
          ++wrong[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
  EXPECT_LE(cache.size(), 8u);
}

}  // namespace
}  // namespace jobstream::auth
