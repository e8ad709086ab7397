#include "destinations/topic.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "destinations/on_failure_record.h"
#include "dynamodb/shard_id.h"

namespace jobstream::destinations {
namespace {

AwsAccount Account() {
  AwsAccount account;
  account.region = "eu-west-1";
  account.id = "123456789012";
  account.stream_label = "2026-12-07T03:45:12.123";
  return account;
}

TEST(TopicTest, TheSnsRecordIsShapedAsSnsInvokesLambda) {
  SystemTime at(std::chrono::milliseconds(1700000000123));
  auto record = boost::json::parse(SnsEventRecord(Account(), "failures", "handler", "m-1", R"({"a":1})", at));
  EXPECT_EQ(record.at("EventSource"), "aws:sns");
  EXPECT_EQ(record.at("EventVersion"), "1.0");
  const auto& sns = record.at("Sns").as_object();
  EXPECT_EQ(sns.at("Type"), "Notification");
  EXPECT_EQ(sns.at("MessageId"), "m-1");
  EXPECT_EQ(sns.at("TopicArn"), "arn:aws:sns:eu-west-1:123456789012:failures");
  EXPECT_EQ(sns.at("Message"), R"({"a":1})");  // the message as text, as SNS carries it
  EXPECT_TRUE(sns.at("Subject").is_null());
  EXPECT_EQ(sns.at("Timestamp"), "2023-11-14T22:13:20.123Z");
  // The subscription's ARN: the topic's and a UUID that stays the same for the same subscriber.
  std::string subscription(record.at("EventSubscriptionArn").as_string());
  EXPECT_EQ(subscription.rfind("arn:aws:sns:eu-west-1:123456789012:failures:", 0), 0U);
  EXPECT_EQ(subscription.size(), std::string("arn:aws:sns:eu-west-1:123456789012:failures:").size() + 36);
  EXPECT_EQ(subscription, SubscriptionArn(Account(), "failures", "handler"));
  EXPECT_NE(subscription, SubscriptionArn(Account(), "failures", "other"));
}

TEST(TopicTest, DestinationsAreTopicsOrBusesByPrefix) {
  EXPECT_EQ(ParseDestination("")->kind, Destination::Kind::kNone);
  EXPECT_EQ(ParseDestination("topic:t")->kind, Destination::Kind::kTopic);
  EXPECT_EQ(ParseDestination("topic:t")->name, "t");
  EXPECT_EQ(ParseDestination("bus:b")->kind, Destination::Kind::kBus);
  EXPECT_FALSE(ParseDestination("topic:").ok());
  EXPECT_FALSE(ParseDestination("arn:aws:sns:x").ok());
  EXPECT_FALSE((TopicConfig{"bad name", {"f"}}.Validate().ok()));
  EXPECT_FALSE((TopicConfig{"t", {}}.Validate().ok()));
  EXPECT_TRUE((TopicConfig{"t_1-x", {"f"}}.Validate().ok()));
}

TEST(OnFailureRecordTest, NamesTheBatchByShardAndSequenceNumbersAsLambdaDoes) {
  FailedBatch batch;
  batch.function_name = "sleep";
  batch.condition = FailureCondition::kRetryAttemptsExhausted;
  batch.invoke_count = 3;
  batch.error_type = "TimeoutExceeded";
  batch.error_message = "late";
  batch.shard = 2;
  batch.first_sequence = batch.last_sequence = 42;
  batch.first_arrival = batch.last_arrival = SystemTime(std::chrono::milliseconds(1700000000000));
  auto record = OnFailureRecord(batch, Account(), SystemTime(std::chrono::milliseconds(1700000001000)), "r-1");
  EXPECT_EQ(record.at("version"), "1.0");
  EXPECT_EQ(record.at("timestamp"), "2023-11-14T22:13:21.000Z");
  const auto& context = record.at("requestContext").as_object();
  EXPECT_EQ(context.at("requestId"), "r-1");
  EXPECT_EQ(context.at("functionArn"), "arn:aws:lambda:eu-west-1:123456789012:function:sleep");
  EXPECT_EQ(context.at("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(context.at("approximateInvokeCount"), 3);
  EXPECT_EQ(record.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(record.at("responsePayload").at("errorType"), "TimeoutExceeded");
  const auto& info = record.at("DDBStreamBatchInfo").as_object();
  EXPECT_EQ(info.at("shardId").as_string(), dynamodb::ShardIdOf(Account(), 2));
  EXPECT_EQ(info.at("startSequenceNumber"), "000000000000000000042");
  EXPECT_EQ(info.at("endSequenceNumber"), "000000000000000000042");
  EXPECT_EQ(info.at("batchSize"), 1);
  EXPECT_EQ(info.at("streamArn").as_string(), Account().StreamArn());
  EXPECT_EQ(info.at("approximateArrivalOfFirstRecord"), "2023-11-14T22:13:20.000Z");

  batch.condition = FailureCondition::kRecordAgeExceeded;
  batch.invoke_count = 0;  // expired before its first invocation: no response
  record = OnFailureRecord(batch, Account(), SystemTime(), "r-2");
  EXPECT_EQ(record.at("requestContext").at("condition"), "RecordAgeExceeded");
  EXPECT_EQ(record.at("responseContext").at("functionError"), "");
}

}  // namespace
}  // namespace jobstream::destinations
