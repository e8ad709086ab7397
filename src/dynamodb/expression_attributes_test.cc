#include "dynamodb/expression_attributes.h"

#include <gtest/gtest.h>

#include "dynamodb/condition_expression.h"
#include "dynamodb/update_expression.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

TEST(DynamoExpressionAttributes, PlaceholderUnusedByEveryExpressionOfTheRequestIsAnError) {
  const json::object names = json::parse(R"({"#s": "status", "#n": "name"})").as_object();
  const json::object values = json::parse(R"({":cv": {"N": "1"}, ":v": {"N": "2"}, ":x": {"S": "x"}})").as_object();
  const ExpressionAttributes attributes{&names, &values};
  auto condition = ParseCondition("version = :cv AND #s = :x", attributes);
  auto update = ParseUpdateExpression("SET version = :v", attributes);
  ASSERT_TRUE(condition.ok() && update.ok());
  Status status = CheckAllPlaceholdersUsed(attributes, {&condition->placeholders(), &update->placeholders()});
  EXPECT_EQ(status.message(), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}");

  const json::object used_names = json::parse(R"({"#s": "status"})").as_object();
  const ExpressionAttributes fewer{&used_names, &values};
  EXPECT_TRUE(CheckAllPlaceholdersUsed(fewer, {&condition->placeholders(), &update->placeholders()}).ok());
  EXPECT_EQ(CheckAllPlaceholdersUsed(fewer, {&update->placeholders()}).message(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#s}");
  const ExpressionAttributes values_only{nullptr, &values};
  EXPECT_EQ(CheckAllPlaceholdersUsed(values_only, {&update->placeholders()}).message(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:cv, :x}");
}

TEST(DynamoExpressionAttributes, MalformedMapsAreRefusedWithDynamoDbsMessages) {
  const json::object empty;
  EXPECT_EQ(ValidateExpressionAttributes({&empty, nullptr}).message(), "ExpressionAttributeNames must not be empty");
  EXPECT_EQ(ValidateExpressionAttributes({nullptr, &empty}).message(), "ExpressionAttributeValues must not be empty");
  const json::object bad_name = json::parse(R"({"n": "name"})").as_object();
  EXPECT_EQ(ValidateExpressionAttributes({&bad_name, nullptr}).message(),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\"");
  const json::object bad_key = json::parse(R"({"v": {"S": "x"}})").as_object();
  EXPECT_EQ(ValidateExpressionAttributes({nullptr, &bad_key}).message(),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  const json::object bad_value = json::parse(R"({":v": {"NS": []}})").as_object();
  EXPECT_EQ(ValidateExpressionAttributes({nullptr, &bad_value}).message(),
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An number "
            "set  may not be empty for key :v");
  const json::object good = json::parse(R"({":v": {"S": "x"}})").as_object();
  EXPECT_TRUE(ValidateExpressionAttributes({nullptr, &good}).ok());
  EXPECT_TRUE(ValidateExpressionAttributes({}).ok());
}

}  // namespace
}  // namespace jobstream::dynamodb
