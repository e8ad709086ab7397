#include "store/consumer_rerun.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::store {
namespace {

// A stream record whose new image holds `entry` for consumer_1 and version `version`.
std::string Record(std::string_view event_name, std::string_view entry, std::string_view version) {
  return std::string(R"({"eventName":")") + std::string(event_name) +
         R"(","dynamodb":{"Keys":{"id":{"S":"j"}},"NewImage":{"id":{"S":"j"},"job_status":{"M":{"consumer_1":{"M":)" +
         std::string(entry) + R"(}}},"version":{"N":")" + std::string(version) + R"("}}}})";
}

TEST(ConsumerRerunTest, OnlyTheWriteThatPutTheEntryBackToPendingIsTheConsumersRerun) {
  const std::string marked = R"({"status":{"S":"Pending"},"rerun":{"N":"4"}})";
  EXPECT_TRUE(IsRerunRecordFor(Record("MODIFY", marked, "4"), "consumer_1"));
  // Another consumer's later write keeps the marker but not the version: not a cue.
  EXPECT_FALSE(IsRerunRecordFor(Record("MODIFY", marked, "5"), "consumer_1"));
  EXPECT_FALSE(IsRerunRecordFor(Record("MODIFY", marked, "4"), "consumer_2"));
  EXPECT_FALSE(IsRerunRecordFor(Record("INSERT", marked, "4"), "consumer_1"));
  EXPECT_FALSE(
      IsRerunRecordFor(Record("MODIFY", R"({"status":{"S":"Running"},"rerun":{"N":"4"}})", "4"), "consumer_1"));
  EXPECT_FALSE(IsRerunRecordFor(Record("MODIFY", R"({"status":{"S":"Pending"}})", "4"), "consumer_1"));
  EXPECT_FALSE(IsRerunRecordFor(R"({"eventName":"MODIFY","rerun":)", "consumer_1"));  // not JSON
  EXPECT_FALSE(IsRerunRecordFor(R"({"eventName":"MODIFY","dynamodb":{"Keys":{}},"rerun":1})", "consumer_1"));
}

TEST(ConsumerRerunTest, TheVersionOfTheRerunAndTheMarkerOfAnEntryReadBack) {
  EXPECT_EQ(RerunVersionOf(Record("MODIFY", R"({"status":{"S":"Pending"},"rerun":{"N":"12"}})", "12"), "consumer_1"),
            12);
  EXPECT_FALSE(RerunVersionOf(Record("MODIFY", R"({"status":{"S":"Pending"},"rerun":{"N":"x"}})", "x"), "consumer_1"));
  ConsumerState running{"Running", nullptr, nullptr, RerunMarker(7)};
  EXPECT_EQ(RerunMarkerOf(running), 7);
  EXPECT_FALSE(RerunMarkerOf(ConsumerState{"Running", nullptr, nullptr}));
}

}  // namespace
}  // namespace jobstream::store
