#include "http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace jobstream::http {
namespace {

TEST(RequestIdTest, IsACanonicalUuidV4) {
  for (int i = 0; i < 1000; ++i) {
    const std::string id(RequestId::Generate().view());
    ASSERT_EQ(id.size(), 36u);
    for (std::size_t pos : {8, 13, 18, 23}) ASSERT_EQ(id[pos], '-') << id;
    ASSERT_EQ(id[14], '4') << id;                                          // version
    ASSERT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
  }
}

TEST(RequestIdTest, DoesNotRepeatAcrossPoolRefills) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.emplace(RequestId::Generate().view());
  EXPECT_EQ(seen.size(), 10000u);
}

}  // namespace
}  // namespace jobstream::http
