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

}  // namespace
}  // namespace jobstream::store
