#include "dynamodb/attribute_value.h"

#include <gtest/gtest.h>

#include "dynamodb/reserved_words.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

std::string Problem(std::string_view text) {
  json::parse_options options;
  options.max_depth = 256;  // deeper than DynamoDB's limit, to test it
  Status status = ValidateAttributeValue(json::parse(text, {}, options));
  return status.ok() ? "ok" : status.message();
}

TEST(DynamoAttributeValue, EveryDocumentedTypeIsValid) {
  for (const char* text :
       {R"({"S": ""})", R"({"S": "x"})", R"({"N": "1.50"})", R"({"B": "AAEC"})", R"({"BOOL": false})",
        R"({"NULL": true})", R"({"M": {"a": {"S": "b"}}})", R"({"L": [{"N": "1"}, {"S": "x"}]})",
        R"({"SS": ["a", "b"]})", R"({"NS": ["1", "2.5"]})", R"({"BS": ["AA==", "AQ=="]})"}) {
    EXPECT_EQ(Problem(text), "ok") << text;
  }
}

TEST(DynamoAttributeValue, MalformedValuesGetDynamoDbsMessages) {
  EXPECT_EQ(Problem(R"({})"), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  EXPECT_EQ(Problem(R"({"S": "a", "N": "1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(Problem(R"({"NS": []})"), "One or more parameter values were invalid: An number set  may not be empty");
  EXPECT_EQ(Problem(R"({"SS": []})"), "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(Problem(R"({"SS": ["a", "a"]})"),
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.");
  EXPECT_EQ(Problem(R"({"NS": ["1", "1.0"]})"),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.");
  EXPECT_EQ(Problem(R"({"NULL": false})"),
            "One or more parameter values were invalid: Null attribute value types must have the value of true");
  EXPECT_EQ(Problem(R"({"N": "1e200"})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Problem(R"({"M": {"a": {"N": "x"}}})"), "The parameter cannot be converted to a numeric value: x");
  EXPECT_NE(Problem(R"({"B": "not base64!"})"), "ok");
  EXPECT_NE(Problem(R"({"S": 1})"), "ok");
  EXPECT_NE(Problem(R"("S")"), "ok");
}

TEST(DynamoAttributeValue, NestingDeeperThan32LevelsIsRefused) {
  std::string deep = R"({"S": "x"})";
  for (int i = 1; i < kMaxNestingDepth; ++i) {
    deep.insert(0, R"({"L": [)");
    deep += "]}";
  }
  EXPECT_EQ(Problem(deep), "ok");
  EXPECT_EQ(Problem(R"({"L": [)" + deep + "]}"),
            "One or more parameter values were invalid: Nesting Levels have exceeded supported limits");
}

TEST(DynamoAttributeValue, EqualityIsByValueAndSetsIgnoreOrder) {
  auto eq = [](std::string_view a, std::string_view b) { return AttributeEquals(json::parse(a), json::parse(b)); };
  EXPECT_TRUE(eq(R"({"N": "1.50"})", R"({"N": "1.5"})"));
  EXPECT_FALSE(eq(R"({"N": "1"})", R"({"S": "1"})"));
  EXPECT_TRUE(eq(R"({"SS": ["a", "b"]})", R"({"SS": ["b", "a"]})"));
  EXPECT_TRUE(eq(R"({"NS": ["1", "2"]})", R"({"NS": ["2.0", "1"]})"));
  EXPECT_FALSE(eq(R"({"L": [{"S": "a"}, {"S": "b"}]})", R"({"L": [{"S": "b"}, {"S": "a"}]})"));
  EXPECT_TRUE(eq(R"({"M": {"a": {"N": "1"}}})", R"({"M": {"a": {"N": "1.0"}}})"));
  EXPECT_TRUE(eq(R"({"B": "AQ=="})", R"({"B": "AQ=="})"));
}

TEST(DynamoAttributeValue, OrderingIsDefinedForNumbersStringsAndBinaryOnly) {
  auto cmp = [](std::string_view a, std::string_view b) { return CompareOrdered(json::parse(a), json::parse(b)); };
  EXPECT_EQ(cmp(R"({"N": "10"})", R"({"N": "9"})"), 1);
  EXPECT_EQ(cmp(R"({"S": "10"})", R"({"S": "9"})"), -1);
  EXPECT_EQ(cmp(R"({"S": "a"})", R"({"S": "é"})"), -1);        // UTF-8 bytes
  EXPECT_EQ(cmp(R"({"B": "AQ=="})", R"({"B": "/w=="})"), -1);  // 0x01 < 0xff, though 'A' > '/'
  EXPECT_EQ(cmp(R"({"N": "1"})", R"({"S": "1"})"), std::nullopt);
  EXPECT_EQ(cmp(R"({"BOOL": true})", R"({"BOOL": true})"), std::nullopt);
}

TEST(DynamoAttributeValue, SizeCountsWhatDynamoDbCounts) {
  EXPECT_EQ(AttributeSize(json::parse(R"({"S": "abc"})")), 3u);
  EXPECT_EQ(AttributeSize(json::parse(R"({"B": "AAEC"})")), 3u);
  EXPECT_EQ(AttributeSize(json::parse(R"({"SS": ["a", "b"]})")), 2u);
  EXPECT_EQ(AttributeSize(json::parse(R"({"M": {"a": {"S": "b"}}})")), 1u);
  EXPECT_EQ(AttributeSize(json::parse(R"({"N": "12"})")), std::nullopt);
}

TEST(DynamoReservedWords, CommonAttributeNamesAreReservedButVersionIsNot) {
  for (const char* word : {"status", "name", "size", "data", "value", "count", "key", "date", "time", "timestamp",
                           "type", "user", "STATUS", "Zone", "abort"}) {
    EXPECT_TRUE(IsReservedWord(word)) << word;
  }
  for (const char* word : {"version", "job_status", "seconds", "id", "results", "statuses", ""}) {
    EXPECT_FALSE(IsReservedWord(word)) << word;
  }
}

}  // namespace
}  // namespace jobstream::dynamodb
