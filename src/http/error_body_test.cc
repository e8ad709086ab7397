#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/request_handler.h"

namespace jobstream::http {
namespace {

TEST(ErrorBodyTest, HasTheMessageShape) { EXPECT_EQ(ErrorBody("Bad request"), R"({"message": "Bad request"})"); }

TEST(ErrorBodyTest, EscapesWhatWouldBreakTheJson) {
  const std::string message = "say \"hi\"\\\n\t\x01 and </script>";
  const auto parsed = boost::json::parse(ErrorBody(message));
  EXPECT_EQ(parsed.as_object().at("message").as_string(), message);
}

}  // namespace
}  // namespace jobstream::http
