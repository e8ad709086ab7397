#include "stream/dynamo_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace jobstream::stream {
namespace {

namespace json = boost::json;

json::object ParseObject(std::string_view text) { return json::parse(text).as_object(); }

// {"M": {"a": {"M": {"a": ... {"S": "leaf"} }}}} with `levels` maps.
json::value NestedMaps(int levels) {
  json::value value = json::object{{"S", "leaf"}};
  for (int i = 0; i < levels; ++i) {
    json::object map;
    map["a"] = std::move(value);
    json::object typed;
    typed["M"] = std::move(map);
    value = std::move(typed);
  }
  return value;
}

TEST(DynamoJsonTest, PlainItemBecomesTypedAttributesAsStreamImagesShowThem) {
  json::object item = ParseObject(R"({
      "id": "j1", "parameters": {"seconds": 1}, "ok": true, "none": null,
      "tags": ["a", 2], "ratio": 0.5})");
  json::object expected = ParseObject(R"({
      "id": {"S": "j1"},
      "parameters": {"M": {"seconds": {"N": "1"}}},
      "ok": {"BOOL": true},
      "none": {"NULL": true},
      "tags": {"L": [{"S": "a"}, {"N": "2"}]},
      "ratio": {"N": "0.5"}})");
  EXPECT_EQ(ToAttributeMap(item), expected);
}

TEST(DynamoJsonTest, IntegersPrintWithoutFraction) {
  EXPECT_EQ(ToAttributeValue(json::value(1)), json::parse(R"({"N": "1"})"));
  EXPECT_EQ(ToAttributeValue(json::value(-42)), json::parse(R"({"N": "-42"})"));
  EXPECT_EQ(ToAttributeValue(json::value(std::numeric_limits<std::uint64_t>::max())),
            json::parse(R"({"N": "18446744073709551615"})"));
}

TEST(DynamoJsonTest, DoublesPrintInShortestRoundTripForm) {
  EXPECT_EQ(ToAttributeValue(json::value(0.1)), json::parse(R"({"N": "0.1"})"));
  EXPECT_EQ(ToAttributeValue(json::value(1e300)), json::parse(R"({"N": "1e+300"})"));
  EXPECT_EQ(ToAttributeValue(json::value(2.0)), json::parse(R"({"N": "2"})"));
  auto back = FromAttributeValue(json::parse(R"({"N": "0.1"})"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->as_double(), 0.1);
}

TEST(DynamoJsonTest, NonFiniteDoubleBecomesNull) {
  EXPECT_EQ(ToAttributeValue(json::value(std::numeric_limits<double>::infinity())), json::parse(R"({"NULL": true})"));
}

TEST(DynamoJsonTest, RoundTripRestoresThePlainItem) {
  json::object item = ParseObject(R"({
      "id": "j1", "status": "Pending", "parameters": {"seconds": 1, "args": ["x", 2.5, [true]]},
      "result": null, "empty_map": {}, "empty_list": [], "big": 18446744073709551615,
      "negative": -9223372036854775808})");
  auto back = FromAttributeMap(ToAttributeMap(item));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, item);
}

TEST(DynamoJsonTest, IntegerNumberTextBecomesInt64AndOtherTextDouble) {
  auto integer = FromAttributeValue(json::parse(R"({"N": "-5"})"));
  ASSERT_TRUE(integer.ok());
  EXPECT_TRUE(integer->is_int64());
  EXPECT_EQ(integer->as_int64(), -5);

  auto big = FromAttributeValue(json::parse(R"({"N": "18446744073709551615"})"));
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->is_uint64());

  auto fraction = FromAttributeValue(json::parse(R"({"N": "2.0"})"));
  ASSERT_TRUE(fraction.ok());
  EXPECT_TRUE(fraction->is_double());
  EXPECT_EQ(fraction->as_double(), 2.0);

  auto exponent = FromAttributeValue(json::parse(R"({"N": "1e3"})"));
  ASSERT_TRUE(exponent.ok());
  EXPECT_EQ(exponent->as_double(), 1000.0);
}

TEST(DynamoJsonTest, StringAndNumberSetsBecomeArrays) {
  auto strings = FromAttributeValue(json::parse(R"({"SS": ["a", "b"]})"));
  ASSERT_TRUE(strings.ok());
  EXPECT_EQ(*strings, json::parse(R"(["a", "b"])"));
  auto numbers = FromAttributeValue(json::parse(R"({"NS": ["1", "2.5"]})"));
  ASSERT_TRUE(numbers.ok());
  EXPECT_EQ(*numbers, json::parse(R"([1, 2.5])"));
}

TEST(DynamoJsonTest, MalformedAttributeValuesAreInvalidArguments) {
  const char* malformed[] = {
      R"("just a string")",
      R"({})",
      R"({"S": "a", "N": "1"})",
      R"({"X": "a"})",
      R"({"S": 1})",
      R"({"N": 1})",
      R"({"N": ""})",
      R"({"N": "abc"})",
      R"({"N": "1abc"})",
      R"({"N": "inf"})",
      R"({"N": "nan"})",
      R"({"N": "1e999"})",
      R"({"N": " 1"})",
      R"({"BOOL": "true"})",
      R"({"NULL": false})",
      R"({"M": []})",
      R"({"L": {}})",
      R"({"SS": "a"})",
      R"({"SS": [1]})",
      R"({"NS": ["x"]})",
      R"({"B": "AAEC"})",
      R"({"BS": ["AAEC"]})",
      R"({"M": {"a": "plain"}})",
  };
  for (const char* text : malformed) {
    auto result = FromAttributeValue(json::parse(text));
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(DynamoJsonTest, ErrorNamesThePathToTheBadAttribute) {
  auto map_error =
      FromAttributeMap(ParseObject(R"({"id": {"S": "j1"}, "parameters": {"M": {"seconds": {"N": "abc"}}}})"));
  ASSERT_FALSE(map_error.ok());
  EXPECT_NE(map_error.error().message().find("'parameters.seconds'"), std::string::npos) << map_error.error().message();
  EXPECT_NE(map_error.error().message().find("\"abc\""), std::string::npos);

  auto list_error = FromAttributeMap(ParseObject(R"({"tags": {"L": [{"S": "a"}, {"N": "x"}]}})"));
  ASSERT_FALSE(list_error.ok());
  EXPECT_NE(list_error.error().message().find("'tags[1]'"), std::string::npos) << list_error.error().message();
}

TEST(DynamoJsonTest, NestingUpToTheLimitConverts) {
  auto result = FromAttributeValue(NestedMaps(kMaxAttributeDepth));
  EXPECT_TRUE(result.ok()) << result.error().message();
}

TEST(DynamoJsonTest, NestingBeyondTheLimitIsRejectedInsteadOfRecursing) {
  auto just_over = FromAttributeValue(NestedMaps(kMaxAttributeDepth + 1));
  ASSERT_FALSE(just_over.ok());
  EXPECT_NE(just_over.error().message().find("nested deeper"), std::string::npos);

  auto hostile = FromAttributeValue(NestedMaps(5000));
  ASSERT_FALSE(hostile.ok());
  EXPECT_EQ(hostile.error().code(), StatusCode::kInvalidArgument);
}

TEST(DynamoJsonTest, TypedTextIsWhatSerialisingTheTypedTreeGives) {
  json::object item = ParseObject(R"({
      "id": "j\"1\n", "parameters": {"seconds": 1, "nested": {"list": [1, -2, 3.25, "x", [], {}]}},
      "ok": true, "no": false, "none": null, "big": 18446744073709551615, "tiny": 1e-300,
      "text": "snow \u2603 \u0001"})");
  std::string text;
  AppendAttributeMap(text, item);
  EXPECT_EQ(text, json::serialize(ToAttributeMap(item)));
  std::string single;
  AppendAttributeValue(single, json::value(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(single, json::serialize(ToAttributeValue(json::value(std::numeric_limits<double>::infinity()))));
}

}  // namespace
}  // namespace jobstream::stream
