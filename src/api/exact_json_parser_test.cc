#include "api/exact_json_parser.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace jobstream::api {
namespace {

std::string Refusal(std::string_view body) {
  auto parsed = ParseExactJson(body, 32);
  EXPECT_FALSE(parsed.ok()) << body;
  return parsed.ok() ? "" : parsed.error().message();
}

TEST(ExactJsonParserTest, BuildsTheSameValuesAsBoostJson) {
  for (const char* body : {R"({"seconds": 5, "note": "h\u00e9 \"q\"", "nested": {"a": [1, -2, 3.25, true, null]}})",
                           R"([{"a": {}}, [], 18446744073709551615, -9223372036854775808, 0.1, 1e20, -0.0])",
                           R"(  {"k": "v"}  )", R"("text")", "0"}) {
    auto parsed = ParseExactJson(body, 32);
    ASSERT_TRUE(parsed.ok()) << body << ": " << parsed.error().message();
    EXPECT_EQ(boost::json::serialize(*parsed), boost::json::serialize(boost::json::parse(body))) << body;
  }
}

TEST(ExactJsonParserTest, NumbersThatSurviveADoubleAreExact) {
  for (const char* text : {"0", "-0.0", "0.1", "1.5", "1e20", "1E-7", "123456789012345.6", "0.30000000000000004",
                           "1.7976931348623157e308", "2.2250738585072014e-308", "100000000000000000000", "1.10"}) {
    EXPECT_TRUE(NumberIsExact(text)) << text;
  }
  for (const char* text : {"1e999", "-1e999", "1e-999", "12345678901234567890123", "1.2345678901234567890",
                           "0.1000000000000000000001", "1.7976931348623159e308"}) {
    EXPECT_FALSE(NumberIsExact(text)) << text;
  }
}

TEST(ExactJsonParserTest, ARefusedNumberIsNamedByItsPath) {
  EXPECT_EQ(Refusal(R"({"seconds": 1, "x": 1e999})"),
            "Parameter 'x' is a number jobstream cannot store exactly (more than 17 significant digits, or beyond a "
            "double's range): 1e999");
  EXPECT_NE(Refusal(R"({"a": {"b": [0, 1, 12345678901234567890123]}})").find("'a.b[2]'"), std::string::npos);
  EXPECT_NE(Refusal(R"({"a": [{"c": 1}, {"d": -1e400}]})").find("'a[1].d'"), std::string::npos);
}

TEST(ExactJsonParserTest, AHugeNumberIsEchoedShortened) {
  std::string body = R"({"x": 1)" + std::string(5000, '1') + "}";
  std::string message = Refusal(body);
  EXPECT_LT(message.size(), 200U);
}

TEST(ExactJsonParserTest, DepthAndSyntaxErrorsKeepTheirMessages) {
  std::string deep(33, '[');
  deep += std::string(33, ']');
  EXPECT_EQ(Refusal(deep), "Request body is nested more than 32 levels deep");
  std::string at_limit(32, '[');
  at_limit += std::string(32, ']');
  EXPECT_TRUE(ParseExactJson(at_limit, 32).ok());
  EXPECT_EQ(Refusal(R"({"a": 1} x)"), "Request body is not valid JSON");
  EXPECT_EQ(Refusal(R"({"a": 01})"), "Request body is not valid JSON");
  EXPECT_EQ(Refusal(""), "Request body is not valid JSON");
}

}  // namespace
}  // namespace jobstream::api
