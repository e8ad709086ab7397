#include "functions/stream_event.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace jobstream::functions {
namespace {

TEST(StreamEventTest, LambdaPayloadSplicesTheStoredTextsUnchanged) {
  // Odd spacing and member order survive: the texts are copied, never parsed and re-serialised.
  std::string first = R"({"eventID":"1","eventName":"INSERT",  "dynamodb":{"SequenceNumber":"000000000000000000001"}})";
  std::string second = R"({"eventName":"MODIFY","eventID":"2"})";
  StreamEvent event({first, second});
  EXPECT_EQ(event.LambdaPayload(), R"({"Records":[)" + first + "," + second + "]}");
  boost::json::value parsed = boost::json::parse(event.LambdaPayload());
  ASSERT_EQ(parsed.at("Records").as_array().size(), 2u);
  EXPECT_EQ(parsed.at("Records").at(1).at("eventID"), "2");
}

TEST(StreamEventTest, AnEmptyEventHasAnEmptyRecordsArray) {
  EXPECT_EQ(StreamEvent().LambdaPayload(), R"({"Records":[]})");
}

TEST(StreamEventTest, ParseRecordGivesNullForTextThatIsNotJson) {
  StreamEvent event({R"({"eventName":"INSERT"})", "{not json"});
  EXPECT_EQ(event.ParseRecord(0).at("eventName"), "INSERT");
  EXPECT_TRUE(event.ParseRecord(1).is_null());
}

}  // namespace
}  // namespace jobstream::functions
