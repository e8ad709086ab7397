#include "store/job.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "stream/dynamo_json.h"

namespace jobstream::store {
namespace {

Job SampleJob() {
  Job job;
  job.id = "0190f1a2-0000-7000-8000-000000000001";
  job.attributes = stream::ToAttributeMap(
      boost::json::parse(R"({"seconds": 1, "note": "quote \" tab \t", "deep": {"x": [1.5, null]}})").as_object());
  job.consumers["consumer_1"] = ConsumerState{"Success", boost::json::parse(R"({"slept": 1})"), nullptr};
  job.consumers["consumer_2"] =
      ConsumerState{"Failure", nullptr, boost::json::parse(R"({"errorType": "TimeoutError", "errorMessage": "late"})")};
  job.consumers["consumer_3"] = ConsumerState{};
  job.version = 7;
  job.created_at = SystemTime(std::chrono::milliseconds(1700000000123));
  job.updated_at = SystemTime(std::chrono::milliseconds(1700000009456));
  return job;
}

TEST(JobTest, TheItemIsShapedAsTheReferencesPutItemWritesIt) {
  // {"id": {"S"}, the parameters at the top, "job_status": {"M"}, "version": {"N"}}, and
  // jobstream's timestamps.
  auto expected = boost::json::parse(R"({
    "id": {"S": "0190f1a2-0000-7000-8000-000000000001"},
    "deep": {"M": {"x": {"L": [{"N": "1.5"}, {"NULL": true}]}}},
    "note": {"S": "quote \" tab \t"},
    "seconds": {"N": "1"},
    "job_status": {"M": {
      "consumer_1": {"M": {"status": {"S": "Success"}, "results": {"M": {"slept": {"N": "1"}}}}},
      "consumer_2": {"M": {"status": {"S": "Failure"}, "error": {"M": {"errorType": {"S": "TimeoutError"},
                                                                        "errorMessage": {"S": "late"}}}}},
      "consumer_3": {"M": {"status": {"S": "Pending"}}}}},
    "version": {"N": "7"},
    "created_at": {"S": "2023-11-14T22:13:20.123Z"},
    "updated_at": {"S": "2023-11-14T22:13:29.456Z"}})");
  EXPECT_EQ(boost::json::parse(SampleJob().ToTypedItemJson()), expected);
  EXPECT_EQ(boost::json::value(SampleJob().ToTypedItem()), expected);
}

TEST(JobTest, ItemTextReadsBackAsTheSameJob) {
  Job job = SampleJob();
  auto read = Job::FromItemJson(job.ToTypedItemJson());
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->ToTypedItemJson(), job.ToTypedItemJson());
  EXPECT_EQ(read->version, 7);
  EXPECT_EQ(read->consumers.at("consumer_1").results, boost::json::parse(R"({"slept": 1})"));
}

TEST(JobTest, TheViewIsGetsDocumentedShapeDerivedFromTheItem) {
  auto view = boost::json::parse(SampleJob().ToViewJson());
  auto expected = boost::json::parse(R"({
    "id": "0190f1a2-0000-7000-8000-000000000001",
    "parameters": {"deep": {"x": [1.5, null]}, "note": "quote \" tab \t", "seconds": 1},
    "status": "Running",
    "consumers": {"consumer_1": {"status": "Success", "results": {"slept": 1}},
                  "consumer_2": {"status": "Failure", "error": {"errorType": "TimeoutError", "errorMessage": "late"}},
                  "consumer_3": {"status": "Pending"}},
    "version": 7,
    "createdAt": "2023-11-14T22:13:20.123Z",
    "updatedAt": "2023-11-14T22:13:29.456Z"})");
  EXPECT_EQ(view, expected);
}

TEST(JobTest, AnAttributeWithoutAPlainFormIsShownTypedNotFailed) {
  Job job = SampleJob();
  job.attributes["blob"] = boost::json::parse(R"({"B": "AAEC"})");
  auto view = boost::json::parse(job.ToViewJson());
  EXPECT_EQ(view.at("parameters").at("blob"), boost::json::parse(R"({"B": "AAEC"})"));
}

TEST(JobTest, ParametersNestedAtTheApiLimitReadBack) {
  // The API accepts bodies 32 levels deep; typed, each level is two. (Read with too small a
  // depth, such a job could never be read again: a poison job.)
  boost::json::value deep = boost::json::object{};
  for (int level = 1; level < 32; ++level) deep = boost::json::object{{"d", deep}};
  Job job = SampleJob();
  job.attributes = stream::ToAttributeMap(deep.as_object());
  job.consumers["consumer_1"].results = deep;
  auto read = Job::FromItemJson(job.ToTypedItemJson());
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->ToTypedItemJson(), job.ToTypedItemJson());
}

TEST(JobTest, AnUnreadableItemIsCorruptionNotARetry) {
  for (const char* text : {R"({"id": {"S": "x"}, "seconds": {"N": Infinity}})", "{", R"({"id": 1})", "[]",
                           // the pre-DynamoDB item shape
                           R"({"id": "x", "parameters": {}, "consumers": {}, "version": 1})",
                           R"({"id": {"S": "x"}, "job_status": {"M": {}}, "version": {"N": "1.5"},
                               "created_at": {"S": "2023-11-14T22:13:20.123Z"},
                               "updated_at": {"S": "2023-11-14T22:13:20.123Z"}})",
                           R"({"id": {"S": "x"}, "job_status": {"M": {"c": {"M": {}}}}, "version": {"N": "1"},
                               "created_at": {"S": "2023-11-14T22:13:20.123Z"},
                               "updated_at": {"S": "2023-11-14T22:13:20.123Z"}})"}) {
    auto read = Job::FromItemJson(text);
    ASSERT_FALSE(read.ok()) << text;
    EXPECT_EQ(read.error().code(), StatusCode::kCorruption) << text;
  }
}

// PutItem through the DynamoDB API stores the item as its client wrote it.
TEST(JobTest, AnItemWithoutJobstreamsTimestampsOrJobStatusIsStillAJob) {
  auto read = Job::FromItemJson(R"({"id": {"S": "x"}, "seconds": {"N": "2"}, "version": {"N": "0"}})");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_TRUE(read->consumers.empty());
  EXPECT_EQ(read->created_at, SystemTime{});
  EXPECT_EQ(read->attributes.at("seconds").at("N").as_string(), "2");
}

TEST(JobTest, AJobNoConsumerAcceptedIsFiltered) {
  Job job = SampleJob();
  job.consumers.clear();
  EXPECT_EQ(job.AggregateStatus(), "Filtered");
  EXPECT_EQ(boost::json::parse(job.ToViewJson()).at("status").as_string(), "Filtered");
}

TEST(JobTest, AnOtherAttributeNamedLikeTheEntrysOwnMembersIsNeverWritten) {
  // A job parameter called "status" copied beside the status must not become a second status.
  Job job = SampleJob();
  job.consumers["consumer_1"] = ConsumerState{"Failure", nullptr, nullptr,
                                              boost::json::object{{"status", {{"S", "Success"}}}, {"x", {{"N", "1"}}}}};
  auto again = Job::FromItemJson(job.ToTypedItemJson());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->consumers["consumer_1"].status, "Failure");
  EXPECT_EQ(again->consumers["consumer_1"].other.size(), 1U);
  EXPECT_EQ(boost::json::parse(again->ToViewJson()).at("consumers").at("consumer_1").at("status"), "Failure");
}

TEST(JobTest, AnEntrysOtherAttributesAreKeptThroughARewriteAndShownPlain) {
  // The reference's error handler writes {"status": "Failure", "seconds": 3} onto its entry; a
  // later write of another consumer's entry goes through Job and must keep it.
  auto item = boost::json::parse(R"({"id": {"S": "j"}, "version": {"N": "2"}, "job_status": {"M": {
      "consumer_1": {"M": {"status": {"S": "Failure"}, "seconds": {"N": "3"}, "note": {"B": "AAE="}}},
      "consumer_2": {"M": {"status": {"S": "Pending"}}}}}})");
  auto job = Job::FromItemJson(boost::json::serialize(item));
  ASSERT_TRUE(job.ok()) << job.error().message();
  EXPECT_EQ(job->consumers["consumer_1"].other.size(), 2U);
  job->consumers["consumer_2"] = ConsumerState{"Success", "done", nullptr};
  auto again = Job::FromItemJson(job->ToTypedItemJson());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->ToTypedItem().at("job_status").at("M").at("consumer_1"),
            item.at("job_status").at("M").at("consumer_1"));
  auto view = boost::json::parse(again->ToViewJson());
  EXPECT_EQ(view.at("consumers").at("consumer_1"),
            boost::json::parse(R"({"status": "Failure", "seconds": 3, "note": {"B": "AAE="}})"));
}

}  // namespace
}  // namespace jobstream::store
