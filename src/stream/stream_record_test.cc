#include "stream/stream_record.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "stream/dynamo_json.h"

namespace jobstream::stream {
namespace {

namespace json = boost::json;

// The record without its eventID (a fresh UUID each time).
json::object WithoutEventId(json::object record) {
  EXPECT_EQ(record.at("eventID").as_string().size(), 32u);
  record.erase("eventID");
  return record;
}

class EncodeRecordTest : public ::testing::TestWithParam<std::tuple<EventName, StreamViewType>> {};

TEST_P(EncodeRecordTest, TextIsTheSerialisedRecordTreeWithItsSequenceNumberInPlace) {
  auto [event_name, view_type] = GetParam();
  json::object new_image =
      ToAttributeMap(json::parse(R"({"id": "a\"b", "seconds": 1.5, "l": [true, null]})").as_object());
  json::object old_image = ToAttributeMap(json::parse(R"({"id": "a\"b", "status": "Pending"})").as_object());
  AwsAccount account{.region = "eu-west-1", .id = "123456789012", .table_name = "orders"};
  RecordInput input{.event_name = event_name,
                    .job_id = "a\"b",
                    .new_image = event_name == EventName::kRemove ? nullptr : &new_image,
                    .old_image = event_name == EventName::kInsert ? nullptr : &old_image,
                    .sequence = 42,
                    .created_at = SystemTime(std::chrono::seconds(1700000000)),
                    .view_type = view_type,
                    .account = &account,
                    .size_bytes = 77};
  json::object expected = WithoutEventId(BuildRecord(input));

  EncodedRecord from_trees = EncodeRecord(input);
  EXPECT_EQ(WithoutEventId(json::parse(from_trees.json).as_object()), expected);

  // The store's path: images handed over as typed text instead of trees.
  std::string new_text = json::serialize(new_image);
  std::string old_text = json::serialize(old_image);
  RecordInput from_text = input;
  from_text.new_image = from_text.old_image = nullptr;
  if (input.new_image != nullptr) from_text.new_image_json = new_text;
  if (input.old_image != nullptr) from_text.old_image_json = old_text;
  from_text.sequence = 0;
  EncodedRecord encoded = EncodeRecord(from_text);
  StampSequenceNumber(encoded, 42);
  EXPECT_EQ(WithoutEventId(json::parse(encoded.json).as_object()), expected);
  EXPECT_EQ(encoded.json.substr(encoded.sequence_offset, 21), "000000000000000000042");
  EXPECT_EQ(expected.at("awsRegion"), "eu-west-1");
  EXPECT_EQ(expected.at("eventSourceARN"),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/1970-01-01T00:00:00.000");
}

INSTANTIATE_TEST_SUITE_P(
    EveryEventAndView, EncodeRecordTest,
    ::testing::Combine(::testing::Values(EventName::kInsert, EventName::kModify, EventName::kRemove),
                       ::testing::Values(StreamViewType::kNewImage, StreamViewType::kNewAndOldImages,
                                         StreamViewType::kKeysOnly)));

}  // namespace
}  // namespace jobstream::stream
