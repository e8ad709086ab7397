#include "common/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <string>

namespace jobstream {
namespace {

std::string Written(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonTextTest, StringsAreEscapedExactlyAsBoostJsonEscapesThem) {
  std::string every_control_character;
  for (char c = 1; c < 0x20; ++c) every_control_character.push_back(c);
  for (std::string_view text :
       {std::string_view(""), std::string_view("plain"), std::string_view(R"(quote " and backslash \ )"),
        std::string_view("tab\tnew\nline\r\b\f"), std::string_view("snowman \xe2\x98\x83 and </script>"),
        std::string_view("nul\0inside", 10), std::string_view(every_control_character)}) {
    EXPECT_EQ(Written(text), boost::json::serialize(boost::json::string(text))) << text;
  }
}

TEST(JsonTextTest, WrittenStringsParseBackToTheSameText) {
  std::string text = "mixed \"\\\x01\x1f\x7f \xc3\xa9";
  EXPECT_EQ(boost::json::parse(Written(text)).as_string(), text);
}

TEST(JsonTextTest, ValuesAndNumbersAppendWithoutDisturbingWhatIsThere) {
  std::string out = "[";
  AppendJsonValue(out, boost::json::parse(R"({"a":[1,2.5,"x",null,true],"b":{}})"));
  out += ",";
  AppendJsonNumber(out, std::numeric_limits<std::int64_t>::min());
  out += ",";
  AppendJsonNumber(out, 0);
  out += "]";
  EXPECT_EQ(out, R"([{"a":[1,2.5E0,"x",null,true],"b":{}},-9223372036854775808,0])");
}

TEST(JsonTextTest, LargeValuesAreWrittenWhole) {
  boost::json::array big;
  for (int i = 0; i < 5000; ++i) big.emplace_back("element " + std::to_string(i));
  std::string out;
  AppendJsonValue(out, big);
  EXPECT_EQ(out, boost::json::serialize(big));
}

TEST(JsonTextTest, FixedDigitsArePaddedToTheirWidth) {
  std::string out = "x";
  AppendFixedDigits(out, 0, 3);
  AppendFixedDigits(out, 42, 21);
  AppendFixedDigits(out, 2026, 4);
  AppendFixedDigits(out, 7, 1);
  EXPECT_EQ(out,
            "x000"
            "000000000000000000042"
            "2026"
            "7");
}

}  // namespace
}  // namespace jobstream
