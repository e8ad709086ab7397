#include "http/request_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace jobstream::http {
namespace {

TEST(RequestIdTest, IsACanonicalUuidV4) {
  const std::regex uuid_v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    const std::string id(RequestId::Generate().view());
    ASSERT_TRUE(std::regex_match(id, uuid_v4)) << id;
  }
}

TEST(RequestIdTest, DoesNotRepeatAcrossPoolRefills) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.emplace(RequestId::Generate().view());
  EXPECT_EQ(seen.size(), 10000u);
}

}  // namespace
}  // namespace jobstream::http
