#include "http/date_header.h"

#include <gtest/gtest.h>

namespace jobstream::http {
namespace {

TEST(DateHeaderTest, FormatsImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1709164800), "Thu, 29 Feb 2024 00:00:00 GMT");
}

TEST(DateHeaderTest, CurrentDateIsTodayFormatted) {
  const std::string first(CurrentHttpDate());
  const std::string expected = FormatHttpDate(std::time(nullptr));
  // Equal unless a second boundary fell between the two calls.
  EXPECT_EQ(first.size(), expected.size());
  EXPECT_EQ(first.substr(0, 16), expected.substr(0, 16));
}

}  // namespace
}  // namespace jobstream::http
