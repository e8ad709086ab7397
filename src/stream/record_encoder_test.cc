#include "stream/record_encoder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>

#include "stream/dynamo_json.h"

namespace jobstream::stream {
namespace {

namespace json = boost::json;

json::object WithoutEventId(json::object record) {
  record.erase("eventID");
  return record;
}

const AwsAccount kAccount{.region = "eu-west-1", .id = "123456789012", .table_name = "orders"};
const SystemTime kAt = SystemTime(std::chrono::seconds(1'800'000'000));

// The record a filter judges before a job is written (Build) is the record the store appends
// (Encode), whatever the stream's view type: the consumers' initial states depend on it.
TEST(RecordEncoderTest, TheRecordAFilterJudgesIsTheRecordTheStreamCarries) {
  json::object item = ToAttributeMap(json::parse(R"({"id": "job-1", "seconds": 3})").as_object());
  std::string item_json = json::serialize(item);
  for (StreamViewType view : {StreamViewType::kNewImage, StreamViewType::kNewAndOldImages, StreamViewType::kKeysOnly}) {
    SCOPED_TRACE(ToString(view));
    RecordEncoder encoder(kAccount, view);
    EncodedRecord encoded = encoder.Encode(EventName::kInsert, "job-1", kAt, item_json);
    json::object built = encoder.Build(EventName::kInsert, "job-1", kAt, item, item_json.size());
    EXPECT_EQ(WithoutEventId(json::parse(encoded.json).as_object()), WithoutEventId(built));
    EXPECT_EQ(built.at("dynamodb").at("StreamViewType").as_string(), ToString(view));
    EXPECT_EQ(built.at("dynamodb").at("SizeBytes").to_number<std::size_t>(), item_json.size());
    EXPECT_EQ(built.at("dynamodb").as_object().contains("NewImage"), view != StreamViewType::kKeysOnly);
    EXPECT_EQ(built.at("eventSourceARN").as_string(), kAccount.StreamArn());
  }
}

TEST(RecordEncoderTest, OldImageOnlyWhenTheViewTypeShowsItOrTheItemIsRemoved) {
  const std::string new_item = R"({"id":{"S":"job-1"},"version":{"N":"1"}})";
  const std::string old_item = R"({"id":{"S":"job-1"},"version":{"N":"0"}})";
  RecordEncoder new_image(kAccount, StreamViewType::kNewImage);
  RecordEncoder both(kAccount, StreamViewType::kNewAndOldImages);
  EXPECT_FALSE(new_image.CarriesOldImage(EventName::kModify));
  EXPECT_TRUE(new_image.CarriesOldImage(EventName::kRemove));
  EXPECT_TRUE(both.CarriesOldImage(EventName::kModify));

  auto modify = json::parse(new_image.Encode(EventName::kModify, "job-1", kAt, new_item, old_item).json);
  EXPECT_FALSE(modify.at("dynamodb").as_object().contains("OldImage"));
  auto modify_both = json::parse(both.Encode(EventName::kModify, "job-1", kAt, new_item, old_item).json);
  EXPECT_EQ(modify_both.at("dynamodb").at("OldImage").at("version").at("N").as_string(), "0");
  EXPECT_EQ(modify_both.at("dynamodb").at("NewImage").at("version").at("N").as_string(), "1");
  // A REMOVE shows the item as it was, and its size.
  auto remove = json::parse(new_image.Encode(EventName::kRemove, "job-1", kAt, {}, old_item).json);
  EXPECT_FALSE(remove.at("dynamodb").as_object().contains("NewImage"));
  EXPECT_EQ(remove.at("dynamodb").at("OldImage").at("version").at("N").as_string(), "0");
  EXPECT_EQ(remove.at("dynamodb").at("SizeBytes").to_number<std::size_t>(), old_item.size());
}

}  // namespace
}  // namespace jobstream::stream
