#include "api/job_parameters.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>

#include "store/job.h"
#include "stream/dynamo_json.h"

namespace jobstream::api {
namespace {

std::string MessageFor(std::string_view body) {
  auto parsed = ParseJobParameters(body);
  EXPECT_FALSE(parsed.ok()) << body;
  return parsed.ok() ? "" : parsed.error().message();
}

TEST(JobParametersTest, SampleJobAndExtraParametersAreAccepted) {
  auto parsed = ParseJobParameters(R"({"seconds": 5, "note": "hi", "nested": {"a": [1, 2]}})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at("seconds").as_int64(), 5);
  EXPECT_EQ(parsed->at("note").as_string(), "hi");
}

TEST(JobParametersTest, BoundsOfSecondsAreInclusive) {
  EXPECT_TRUE(ParseJobParameters(R"({"seconds": 1})").ok());
  EXPECT_TRUE(ParseJobParameters(R"({"seconds": 31536000})").ok());
}

TEST(JobParametersTest, EveryBadBodyGetsItsOwnMessage) {
  const std::string range = "'seconds' must be an integer between 1 and 31536000";
  EXPECT_EQ(MessageFor(""), "Request body is not valid JSON");
  EXPECT_EQ(MessageFor("{"), "Request body is not valid JSON");
  EXPECT_EQ(MessageFor("[]"), "Request body must be a JSON object of job parameters");
  EXPECT_EQ(MessageFor("\"x\""), "Request body must be a JSON object of job parameters");
  EXPECT_EQ(MessageFor("{}"), "'seconds' is required");
  for (const char* body :
       {R"({"seconds": 0})", R"({"seconds": -1})", R"({"seconds": 1.5})", R"({"seconds": "1"})", R"({"seconds": true})",
        R"({"seconds": null})", R"({"seconds": 100000000000000000000})", R"({"seconds": 1e125})",
        R"({"seconds": 31536001})", R"({"seconds": 18446744073709551615})"}) {
    EXPECT_EQ(MessageFor(body), range) << body;
  }
  // Beyond DynamoDB's range, the number is refused before its meaning is looked at.
  EXPECT_EQ(MessageFor(R"({"seconds": 1e308})"),
            "Parameter 'seconds' is a number outside DynamoDB's range (magnitudes from 1E-130 to below 1E+126): 1e308");
}

TEST(JobParametersTest, DeepNestingIsRefusedWithAClearMessage) {
  std::string deep = R"({"seconds": 1, "x": )" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(MessageFor(deep), "Request body is nested more than 32 levels deep");
}

// Found by fuzz/job_parameters_fuzz.cc ({"seconds": 1, "f": 1.0e320}): a number beyond a double
// was accepted, stored as Infinity, and the job could never be read again (a poison job).
TEST(JobParametersTest, ANumberBeyondADoubleIsRefusedNamingWhereItIs) {
  const std::string refused =
      " is a number jobstream cannot store exactly (more than 17 significant digits, or "
      "beyond a double's range): ";
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "f": 1.0e320})"), "Parameter 'f'" + refused + "1.0e320");
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "a": {"b": [1, -1e999]}})"), "Parameter 'a.b[1]'" + refused + "-1e999");
  auto batch = ParseJobBatch(R"({"jobs": [{"seconds": 1}, {"seconds": 1, "x": 1e400}]})");
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().message(), "Parameter 'jobs[1].x'" + refused + "1e400");
  // Found by the same target once the above was fixed: a member named "" has an empty path.
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "": 1.0e321})"), "Parameter ''" + refused + "1.0e321");
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "a": {"": [{"": 1e999}]}})"), "Parameter 'a.[0].'" + refused + "1e999");
  // Doubles at the ends of a double's range are exact, but beyond DynamoDB's (see below).
  EXPECT_FALSE(ParseJobParameters(R"({"seconds": 1, "f": 1.7976931348623157e308})").ok());
  EXPECT_FALSE(ParseJobParameters(R"({"seconds": 1, "g": 5e-324})").ok());
}

// The fuzz target's property, on the input that broke it: a body nested to the API's limit was
// accepted, but its stored item, one level deeper, was beyond what the store reads back.
TEST(JobParametersTest, TheDeepestAcceptedBodyReadsBackFromItsStoredItem) {
  auto nested = [](int depth) {
    return R"({"seconds": 1, "x": )" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
  };
  auto parsed = ParseJobParameters(nested(kMaxBodyDepth));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  store::Job job;
  job.id = "0190f4a2-0000-7000-8000-000000000000";
  job.attributes = stream::ToAttributeMap(*parsed);
  job.consumers["c"] = store::ConsumerState{"Success", *parsed, nullptr};  // results as deep as the body
  auto back = store::Job::FromItemJson(job.ToTypedItemJson());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->attributes, job.attributes);
  EXPECT_EQ(back->consumers.at("c").results, *parsed);
  EXPECT_EQ(MessageFor(nested(kMaxBodyDepth + 1)), "Request body is nested more than 32 levels deep");
}

}  // namespace
}  // namespace jobstream::api

namespace jobstream::api {
namespace {

TEST(JobParametersTest, TheItemsOwnAttributeNamesAreReserved) {
  for (const char* name : {"id", "job_status", "version", "created_at", "updated_at"}) {
    EXPECT_EQ(MessageFor(fmt::format(R"({{"seconds": 1, "{}": 1}})", name)),
              fmt::format("Parameter '{}' is reserved: jobstream keeps id, job_status, version, created_at and "
                          "updated_at on every job",
                          name));
  }
  EXPECT_TRUE(ParseJobParameters(R"({"seconds": 1, "status": "x", "Version": 2})").ok());
}

TEST(JobParametersTest, NumbersOutsideDynamoDbsRangeAreRefused) {
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "big": 1e126})"),
            "Parameter 'big' is a number outside DynamoDB's range (magnitudes from 1E-130 to below 1E+126): 1e126");
  EXPECT_EQ(MessageFor(R"({"seconds": 1, "a": [-1e-131]})"),
            "Parameter 'a[0]' is a number outside DynamoDB's range (magnitudes from 1E-130 to below 1E+126): "
            "-1e-131");
  EXPECT_TRUE(ParseJobParameters(R"({"seconds": 1, "f": 9.99e125, "g": -1e-130, "z": 0.0})").ok());
}

TEST(JobBatchTest, EveryEntryIsValidatedAndNamedInErrors) {
  auto batch = ParseJobBatch(R"({"jobs": [{"seconds": 1}, {"seconds": 2, "x": true}]})");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[1].at("seconds").as_int64(), 2);
  auto bad = ParseJobBatch(R"({"jobs": [{"seconds": 1}, {}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "jobs[1]: 'seconds' is required");
}

TEST(JobBatchTest, ShapeAndSizeAreBounded) {
  EXPECT_EQ(ParseJobBatch("[]").error().message(), R"(Request body must be {"jobs": [job parameters, ...]})");
  EXPECT_EQ(ParseJobBatch(R"({"jobs": []})").error().message(), "'jobs' must hold between 1 and 1000 jobs");
  std::string many = R"({"jobs": [)";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + R"({"seconds": 1})";
  many += "]}";
  EXPECT_EQ(ParseJobBatch(many).error().message(), "'jobs' must hold between 1 and 1000 jobs");
}

}  // namespace
}  // namespace jobstream::api
