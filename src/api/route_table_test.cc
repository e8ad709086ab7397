#include "api/route_table.h"

#include <gtest/gtest.h>

namespace jobstream::api {
namespace {

AwsAccount Account() {
  AwsAccount account;
  account.id = "123456789012";
  account.table_name = "jobs";
  account.stream_label = "2026-12-07T03:45:12.123";
  return account;
}

TEST(RouteTableTest, ListingJobsNeedsInvokeOnGetJobsWhateverItsQuery) {
  auto needed = AuthorizationFor("GET", "/jobs", "eu-west-1", "123456789012");
  ASSERT_TRUE(needed.has_value());
  EXPECT_EQ(needed->action, "execute-api:Invoke");
  EXPECT_EQ(needed->resource, "arn:aws:execute-api:eu-west-1:123456789012:jobstream/prod/GET/jobs");
  EXPECT_FALSE(AuthorizationFor("DELETE", "/jobs", "eu-west-1", "123456789012").has_value());
}

TEST(RouteTableTest, StreamsOperationsNeedTheirDynamoDbActionOnTheStream) {
  const std::string stream = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2026-12-07T03:45:12.123";
  for (std::string operation : {"DescribeStream", "GetShardIterator", "GetRecords"}) {
    auto needed = AuthorizationForTarget("DynamoDBStreams_20120810." + operation, Account());
    ASSERT_TRUE(needed.has_value()) << operation;
    EXPECT_EQ(needed->action, "dynamodb:" + operation);
    EXPECT_EQ(needed->resource, stream);
  }
}

TEST(RouteTableTest, ListStreamsNeedsItsActionOnTheTablesStreams) {
  auto needed = AuthorizationForTarget("DynamoDBStreams_20120810.ListStreams", Account());
  ASSERT_TRUE(needed.has_value());
  EXPECT_EQ(needed->action, "dynamodb:ListStreams");
  EXPECT_EQ(needed->resource, "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/*");
}

TEST(RouteTableTest, TargetsNoOperationServesHaveNoAuthorization) {
  for (std::string_view target : {"DynamoDBStreams_20120810.ListTables", "DynamoDBStreams_20120810.", "GetRecords",
                                  "Kinesis_20131202.GetRecords", ""}) {
    EXPECT_FALSE(AuthorizationForTarget(target, Account()).has_value()) << target;
  }
}

}  // namespace
}  // namespace jobstream::api

namespace jobstream::api {
namespace {

TEST(RouteTableTest, TableOperationsNeedTheirActionOnTheTable) {
  AwsAccount account;
  account.id = "123456789012";
  for (std::string operation :
       {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan", "BatchGetItem", "DescribeTable"}) {
    auto needed = AuthorizationForTarget("DynamoDB_20120810." + operation, account);
    ASSERT_TRUE(needed.has_value()) << operation;
    EXPECT_EQ(needed->action, "dynamodb:" + operation);
    EXPECT_EQ(needed->resource, "arn:aws:dynamodb:us-east-1:123456789012:table/jobs");
  }
  EXPECT_EQ(AuthorizationForTarget("DynamoDB_20120810.ListTables", account)->resource, "*");
  EXPECT_FALSE(AuthorizationForTarget("DynamoDB_20120810.CreateTable", account).has_value());
}

}  // namespace
}  // namespace jobstream::api
