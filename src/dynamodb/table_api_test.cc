// The DynamoDB API's table operations over a real store: shapes, conditions, the version rule,
// paging and DynamoDB's errors.
#include "dynamodb/table_api.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>

#include "dynamodb/table_request.h"
#include "store/item_write.h"
#include "store/sqlite_job_store.h"
#include "testing/temp_dir.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

class TableApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions options;
    options.data_dir = dir_.path();
    options.shards = 2;
    auto opened = store::SqliteJobStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
    api_ = std::make_unique<TableApi>(*store_, stream::StreamViewType::kNewImage);
    operations_ = api_->Operations();
  }

  OperationResult Call(const std::string& operation, const json::object& input) {
    std::promise<OperationResult> answer;
    auth::Principal principal;
    operations_.at(operation)(input, OperationContext{principal, std::chrono::system_clock::now()},
                              [&answer](OperationResult result) { answer.set_value(std::move(result)); });
    return answer.get_future().get();
  }
  json::object Ok(const std::string& operation, const json::object& input) {
    auto result = Call(operation, input);
    EXPECT_TRUE(result.ok()) << operation << ": " << result.error().type << " " << result.error().message.value_or("");
    return result.ok() ? json::parse(*result).as_object() : json::object{};
  }
  ApiError Error(const std::string& operation, const json::object& input) {
    auto result = Call(operation, input);
    EXPECT_FALSE(result.ok()) << operation << " answered " << (result.ok() ? *result : "");
    return result.ok() ? ApiError{} : result.error();
  }

  static json::object Key(std::string_view id) { return json::object{{"id", json::object{{"S", id}}}}; }
  static json::object Item(std::string_view id, std::string_view version) {
    json::object item = Key(id);
    item["version"] = json::object{{"N", version}};
    return item;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<TableApi> api_;
  OperationTable operations_;
};

TEST_F(TableApiTest, DescribeTableShowsTheKeySchemaAndTheStream) {
  ASSERT_TRUE(Call("PutItem", {{"TableName", "jobs"}, {"Item", Item("a", "0")}}).ok());
  json::object table = Ok("DescribeTable", {{"TableName", "jobs"}}).at("Table").as_object();
  EXPECT_EQ(table.at("TableStatus"), "ACTIVE");
  EXPECT_EQ(table.at("ItemCount"), 1);
  EXPECT_EQ(table.at("TableArn"), json::value(store_->account().TableArn()));
  EXPECT_EQ(table.at("LatestStreamArn"), json::value(store_->account().StreamArn()));
  EXPECT_EQ(table.at("KeySchema"), json::parse(R"([{"AttributeName":"id","KeyType":"HASH"}])"));
  ApiError missing = Error("DescribeTable", {{"TableName", "other"}});
  EXPECT_EQ(missing.type, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(missing.message, "Requested resource not found: Table: other not found");
}

TEST_F(TableApiTest, ListTablesShowsTheOneTableAndBoundsItsLimit) {
  EXPECT_EQ(Ok("ListTables", {}).at("TableNames"), json::array{"jobs"});
  EXPECT_EQ(Ok("ListTables", {{"ExclusiveStartTableName", "jobs"}}).at("TableNames"), json::array{});
  EXPECT_EQ(Error("ListTables", {{"Limit", 101}}).message,
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value "
            "less than or equal to 100");
}

TEST_F(TableApiTest, AnUnknownTableOrAKeyOffTheSchemaIsRefusedAsDynamoDBDoes) {
  ApiError table = Error("GetItem", {{"TableName", "orders"}, {"Key", Key("a")}});
  EXPECT_EQ(table.type, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(table.message, "Requested resource not found");
  for (const char* key :
       {R"({"name": {"S": "a"}})", R"({"id": {"N": "1"}})", R"({"id": {"S": "a"}, "b": {"S": "c"}})"}) {
    ApiError error = Error("GetItem", {{"TableName", "jobs"}, {"Key", json::parse(key)}});
    EXPECT_EQ(error.type, "com.amazon.coral.validate#ValidationException") << key;
    EXPECT_EQ(error.message, "The provided key element does not match the schema") << key;
  }
  EXPECT_EQ(Ok("GetItem", {{"TableName", "jobs"}, {"Key", Key("absent")}}), json::object{});
}

TEST_F(TableApiTest, AFailedConditionIsConditionalCheckFailedWithTheOldItemWhenAsked) {
  ASSERT_TRUE(Call("PutItem", {{"TableName", "jobs"}, {"Item", Item("a", "1")}}).ok());
  json::object update{
      {"TableName", "jobs"},
      {"Key", Key("a")},
      {"UpdateExpression", "SET version = :v"},
      {"ConditionExpression", "version = :cv"},
      {"ExpressionAttributeValues", json::object{{":v", json::object{{"N", "2"}}}, {":cv", json::object{{"N", "0"}}}}},
      {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}};
  ApiError failed = Error("UpdateItem", update);
  EXPECT_EQ(failed.type, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(failed.message, "The conditional request failed");
  EXPECT_EQ(failed.extra.at("Item"), Item("a", "1"));

  update["ExpressionAttributeValues"].as_object()[":cv"] = json::object{{"N", "1"}};
  update["ReturnValues"] = "ALL_NEW";
  EXPECT_EQ(Ok("UpdateItem", update).at("Attributes"), Item("a", "2"));
  EXPECT_EQ(store_->GetJob("a")->version, 2);
}

TEST_F(TableApiTest, AWriteThatRemovesVersionOrMakesItANonNumberIsRefusedNamingTheRule) {
  ASSERT_TRUE(Call("PutItem", {{"TableName", "jobs"}, {"Item", Item("a", "3")}}).ok());
  for (const char* expression : {"REMOVE version", "SET version = :s"}) {
    json::object input{{"TableName", "jobs"}, {"Key", Key("a")}, {"UpdateExpression", expression}};
    if (std::string_view(expression).find(":s") != std::string_view::npos) {
      input["ExpressionAttributeValues"] = json::object{{":s", json::object{{"S", "x"}}}};
    }
    ApiError error = Error("UpdateItem", input);
    EXPECT_EQ(error.type, "com.amazon.coral.validate#ValidationException") << expression;
    EXPECT_EQ(error.message, store::kVersionRule) << expression;
  }
  ApiError put = Error("PutItem", {{"TableName", "jobs"}, {"Item", Key("b")}});
  EXPECT_EQ(put.message, store::kVersionRule);
  EXPECT_EQ(store_->GetJob("a")->version, 3);
}

TEST_F(TableApiTest, TheKeyCannotBeUpdated) {
  ApiError error = Error("UpdateItem", {{"TableName", "jobs"},
                                        {"Key", Key("a")},
                                        {"UpdateExpression", "SET id = :v"},
                                        {"ExpressionAttributeValues", json::object{{":v", json::object{{"S", "b"}}}}}});
  EXPECT_EQ(error.message,
            "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key");
}

TEST_F(TableApiTest, UpdateItemOfAMissingItemCreatesItFromItsKey) {
  json::object created =
      Ok("UpdateItem", {{"TableName", "jobs"},
                        {"Key", Key("new")},
                        {"UpdateExpression", "SET version = :zero, n = :zero"},
                        {"ExpressionAttributeValues", json::object{{":zero", json::object{{"N", "0"}}}}},
                        {"ReturnValues", "UPDATED_NEW"}});
  EXPECT_EQ(created.at("Attributes"), json::parse(R"({"version": {"N": "0"}, "n": {"N": "0"}})"));
  EXPECT_TRUE(store_->GetJobJson("new").ok());
}

TEST_F(TableApiTest, ScanPagesWithLimitAndExclusiveStartKeyAndFilters) {
  for (int i = 0; i < 5; ++i) {
    json::object item = Item("k" + std::to_string(i), "0");
    item["odd"] = json::object{{"BOOL", i % 2 == 1}};
    ASSERT_TRUE(Call("PutItem", {{"TableName", "jobs"}, {"Item", item}}).ok());
  }
  json::object input{{"TableName", "jobs"},
                     {"Limit", 2},
                     {"FilterExpression", "odd = :t"},
                     {"ExpressionAttributeValues", json::object{{":t", json::object{{"BOOL", true}}}}}};
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    json::object page = Ok("Scan", input);
    ++pages;
    EXPECT_LE(page.at("ScannedCount").as_int64(), 2);
    for (const auto& item : page.at("Items").as_array()) seen.emplace_back(item.at("id").at("S").as_string());
    if (!page.contains("LastEvaluatedKey")) break;
    input["ExclusiveStartKey"] = page.at("LastEvaluatedKey");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"k1", "k3"}));
  EXPECT_EQ(pages, 3);
  ApiError start = Error("Scan", {{"TableName", "jobs"}, {"ExclusiveStartKey", json::parse(R"({"x": {"S": "a"}})")}});
  EXPECT_EQ(start.message, "The provided starting key is invalid: The provided key element does not match the schema");
}

TEST_F(TableApiTest, BatchGetItemReturnsTheItemsThatExist) {
  ASSERT_TRUE(Call("PutItem", {{"TableName", "jobs"}, {"Item", Item("a", "0")}}).ok());
  json::object output =
      Ok("BatchGetItem",
         {{"RequestItems", json::object{{"jobs", json::object{{"Keys", json::array{Key("a"), Key("missing")}}}}}}});
  EXPECT_EQ(output.at("Responses").at("jobs"), json::array{Item("a", "0")});
  EXPECT_EQ(output.at("UnprocessedKeys"), json::object{});
  ApiError duplicates =
      Error("BatchGetItem",
            {{"RequestItems", json::object{{"jobs", json::object{{"Keys", json::array{Key("a"), Key("a")}}}}}}});
  EXPECT_EQ(duplicates.message, "Provided list of item keys contains duplicates");
}

TEST_F(TableApiTest, AnItemOverFourHundredKilobytesIsRefused) {
  json::object item = Item("big", "0");
  item["blob"] = json::object{{"S", std::string(kMaxItemBytes, 'x')}};
  ApiError error = Error("PutItem", {{"TableName", "jobs"}, {"Item", item}});
  EXPECT_EQ(error.message, "Item size has exceeded the maximum allowed size");
}

}  // namespace
}  // namespace jobstream::dynamodb
