#include "destinations/invocation_record.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace jobstream::destinations {
namespace {

TEST(InvocationRecordTest, TheEventIsEventBridgesWithLambdasInvocationRecordAsDetail) {
  AwsAccount account;
  account.region = "eu-west-1";
  account.id = "123456789012";
  FailedInvocation failed{
      "error_handler_1", "RetriesExhausted", 3, boost::json::parse(R"({"Records": []})"), "Broken", "boom"};
  SystemTime now(std::chrono::milliseconds(1700000000123));
  auto event = InvocationFailureEvent(failed, account, "failed-jobs", "e-1", now);
  EXPECT_EQ(event.at("version"), "0");
  EXPECT_EQ(event.at("id"), "e-1");
  EXPECT_EQ(event.at("detail-type"), "Lambda Function Invocation Result - Failure");
  EXPECT_EQ(event.at("source"), "lambda");
  EXPECT_EQ(event.at("account"), "123456789012");
  EXPECT_EQ(event.at("region"), "eu-west-1");
  EXPECT_EQ(event.at("time"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(event.at("resources"), boost::json::parse(R"(["arn:aws:events:eu-west-1:123456789012:event-bus/failed-jobs",
      "arn:aws:lambda:eu-west-1:123456789012:function:error_handler_1:$LATEST"])"));
  const auto& detail = event.at("detail").as_object();
  EXPECT_EQ(detail.at("version"), "1.0");
  EXPECT_EQ(detail.at("requestContext").at("condition"), "RetriesExhausted");
  EXPECT_EQ(detail.at("requestContext").at("approximateInvokeCount"), 3);
  EXPECT_EQ(detail.at("requestPayload"), boost::json::parse(R"({"Records": []})"));
  EXPECT_EQ(detail.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(detail.at("responsePayload"), boost::json::parse(R"({"errorType": "Broken", "errorMessage": "boom"})"));

  failed.condition = "EventAgeExceeded";
  failed.error_type.clear();  // never invoked
  event = InvocationFailureEvent(failed, account, "failed-jobs", "e-2", now);
  EXPECT_FALSE(event.at("detail").as_object().contains("responsePayload"));
}

TEST(InvocationRecordTest, StableUuidsAreFixedByTheirSeed) {
  EXPECT_EQ(StableUuid("a"), StableUuid("a"));
  EXPECT_NE(StableUuid("a"), StableUuid("b"));
  EXPECT_EQ(StableUuid("a").size(), 36U);
}

}  // namespace
}  // namespace jobstream::destinations
