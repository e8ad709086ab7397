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

TEST(ErrorBodyTest, IsValidJsonWhateverBytesTheMessageEchoes) {
  // A header value echoed in the canonical request of a signature mismatch, say.
  const std::string message = std::string("x-h:\xFF\xFE \xC0\xAF caf\xC3\xA9 \xED\xA0\x80 \xF0\x9F");
  boost::json::parse_options strict;  // the default: ill-formed UTF-8 is a parse error
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(ErrorBody(message), ec, {}, strict);
  ASSERT_FALSE(ec) << ec.message();
  const std::string_view echoed = parsed.as_object().at("message").as_string();
  EXPECT_TRUE(echoed.starts_with("x-h:\xEF\xBF\xBD\xEF\xBF\xBD ")) << echoed;
  EXPECT_NE(echoed.find("caf\xC3\xA9"), std::string_view::npos) << echoed;
}

}  // namespace
}  // namespace jobstream::http
