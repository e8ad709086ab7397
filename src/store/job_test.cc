#include "store/job.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "stream/dynamo_json.h"

namespace jobstream::store {
namespace {

Job SampleJob() {
  Job job;
  job.id = "0190f1a2-0000-7000-8000-000000000001";
  job.parameters =
      boost::json::parse(R"({"seconds": 1, "note": "quote \" tab \t", "deep": {"x": [1.5, null]}})").as_object();
  job.consumers["consumer_1"] = ConsumerState{"Success", boost::json::parse(R"({"slept": 1})"), nullptr};
  job.consumers["consumer_2"] =
      ConsumerState{"Failure", nullptr, boost::json::parse(R"({"errorType": "TimeoutError", "errorMessage": "late"})")};
  job.consumers["consumer_3"] = ConsumerState{};
  job.version = 7;
  job.created_at = SystemTime(std::chrono::milliseconds(1700000000123));
  job.updated_at = SystemTime(std::chrono::milliseconds(1700000009456));
  return job;
}

TEST(JobTest, ItemTextIsTheSerialisedItemTree) {
  Job job = SampleJob();
  EXPECT_EQ(job.ToItemJson(), boost::json::serialize(job.ToItem()));
  Job no_consumers = SampleJob();
  no_consumers.consumers.clear();
  EXPECT_EQ(no_consumers.ToItemJson(), boost::json::serialize(no_consumers.ToItem()));
}

TEST(JobTest, TypedItemTextIsTheSerialisedTypedTree) {
  Job job = SampleJob();
  EXPECT_EQ(job.ToTypedItemJson(), boost::json::serialize(stream::ToAttributeMap(job.ToItem())));
}

TEST(JobTest, ItemTextReadsBackAsTheSameJob) {
  Job job = SampleJob();
  auto read = Job::FromItemJson(job.ToItemJson());
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->ToItemJson(), job.ToItemJson());
}

TEST(JobTest, ParametersNestedAtTheApiLimitReadBack) {
  // The API accepts bodies 32 levels deep; the item holds them one level further down. (Read with
  // Boost.JSON's default depth of 32, such a job could never be read again: a poison job.)
  boost::json::value deep = boost::json::object{};
  for (int level = 1; level < 32; ++level) deep = boost::json::object{{"d", deep}};
  Job job = SampleJob();
  job.parameters = deep.as_object();
  auto read = Job::FromItemJson(job.ToItemJson());
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->ToItemJson(), job.ToItemJson());
}

TEST(JobTest, AnUnreadableItemIsCorruptionNotARetry) {
  for (const char* text : {R"({"id": "x", "parameters": {"x": Infinity}})", "{", R"({"id": 1})", "[]"}) {
    auto read = Job::FromItemJson(text);
    ASSERT_FALSE(read.ok()) << text;
    EXPECT_EQ(read.error().code(), StatusCode::kCorruption) << text;
  }
}

TEST(JobTest, AJobNoConsumerAcceptedIsFiltered) {
  Job job = SampleJob();
  job.consumers.clear();
  EXPECT_EQ(job.AggregateStatus(), "Filtered");
  EXPECT_EQ(job.ToItem().at("status").as_string(), "Filtered");
}

}  // namespace
}  // namespace jobstream::store
