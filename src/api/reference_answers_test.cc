#include "api/reference_answers.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace jobstream::api {
namespace {

store::Job JobWith(std::map<std::string, store::ConsumerState> consumers) {
  store::Job job;
  job.id = "0190a3c4-0000-7000-8000-000000000001";
  job.attributes = boost::json::parse(R"({"seconds": {"N": "5"}})").as_object();
  job.consumers = std::move(consumers);
  return job;
}

// What the reference's error handler writes: the job's seconds as a string beside the status.
store::ConsumerState ReferenceFailure(std::string seconds) {
  return {"Failure", nullptr, nullptr, boost::json::object{{"seconds", boost::json::object{{"S", seconds}}}}};
}

TEST(ReferenceAnswersTest, CreatedAnswerIsTheTemplatesIdObject) {
  EXPECT_EQ(R"({"id": "0190a3c4-0000-7000-8000-000000000001"})",
            ReferenceCreatedJson("0190a3c4-0000-7000-8000-000000000001"));
}

TEST(ReferenceAnswersTest, JobNoConsumerStartedIsTheEmptyObject) {
  EXPECT_EQ("{}", ReferenceJobStatusJson(JobWith({{"consumer_1", {}}, {"consumer_2", {}}})));
  EXPECT_EQ("{}", ReferenceJobStatusJson(JobWith({})));
}

TEST(ReferenceAnswersTest, SucceededConsumersShowResultsThenStatus) {
  store::ConsumerState success{"Success", "I slept for 5 seconds", nullptr};
  EXPECT_EQ(R"({"consumer_1":{"results":"I slept for 5 seconds","status":"Success"},)"
            R"("consumer_2":{"results":"I slept for 5 seconds","status":"Success"}})",
            ReferenceJobStatusJson(JobWith({{"consumer_1", success}, {"consumer_2", success}})));
}

TEST(ReferenceAnswersTest, RunningAndPendingConsumers) {
  EXPECT_EQ(R"({"consumer_2":{"status":"Running"}})",
            ReferenceJobStatusJson(JobWith({{"consumer_1", {}}, {"consumer_2", {"Running", nullptr, nullptr}}})));
}

TEST(ReferenceAnswersTest, FailureShowsTheStringSecondsUnquotedAndNoError) {
  store::ConsumerState ours{"Failure", nullptr, boost::json::object{{"errorType", "E"}, {"errorMessage", "m"}}};
  EXPECT_EQ(R"({"consumer_1":{"seconds":5,"status":"Failure"},"consumer_2":{"status":"Failure"}})",
            ReferenceJobStatusJson(JobWith({{"consumer_1", ReferenceFailure("5")}, {"consumer_2", ours}})));
}

TEST(ReferenceAnswersTest, OnlyStringAttributesAreShownAndAlwaysAsValidJson) {
  // results that are not a string (a function's object) are absent, as the template's `.S` finds
  // nothing; seconds that are not a number stay a (valid) JSON string; escapes are kept; seconds
  // as jobstream's record-failure writes them (a number attribute) read as the reference's.
  store::ConsumerState object_results{"Success", boost::json::object{{"n", 1}}, nullptr};
  store::ConsumerState odd{"Fail\"ure", nullptr, nullptr,
                           boost::json::object{{"seconds", boost::json::object{{"S", "five"}}}}};
  store::ConsumerState number_seconds{"Failure", nullptr, nullptr,
                                      boost::json::object{{"seconds", boost::json::object{{"N", "5"}}}}};
  EXPECT_EQ(
      R"({"a":{"status":"Success"},"b":{"seconds":"five","status":"Fail\"ure"},"c":{"seconds":5,"status":"Failure"}})",
      ReferenceJobStatusJson(JobWith({{"a", object_results}, {"b", odd}, {"c", number_seconds}})));
  for (std::string text : {"-0.5e+3", "01", "1.", "", "1e", "+1", "0x1"}) {
    const auto body = ReferenceJobStatusJson(JobWith({{"a", ReferenceFailure(text)}}));
    EXPECT_NO_THROW(boost::json::parse(body)) << body;
  }
  EXPECT_EQ(R"({"a":{"seconds":-0.5e+3,"status":"Failure"}})",
            ReferenceJobStatusJson(JobWith({{"a", ReferenceFailure("-0.5e+3")}})));
  EXPECT_EQ(R"({"a":{"seconds":"01","status":"Failure"}})",
            ReferenceJobStatusJson(JobWith({{"a", ReferenceFailure("01")}})));
}

}  // namespace
}  // namespace jobstream::api
