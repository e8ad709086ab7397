#include "api/request_model.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "api/job_parameters.h"

#ifndef JOBSTREAM_TESTDATA_DIR
#define JOBSTREAM_TESTDATA_DIR "tests/testdata"
#endif

namespace jobstream::api {
namespace {

class TempFile {
 public:
  explicit TempFile(std::string_view text)
      : path_(std::filesystem::temp_directory_path() /
              ("request-model-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               std::to_string(counter_++) + ".json")) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(RequestModelTest, TheShippedFileIsTheBuiltInReferenceModel) {
  auto shipped = LoadRequestModel(std::string(JOBSTREAM_TESTDATA_DIR) + "/../../config/request-model.json");
  ASSERT_TRUE(shipped.ok()) << shipped.error().message();
  EXPECT_EQ(shipped->document(), ReferenceRequestModel().document());
}

TEST(RequestModelTest, ACustomModelDecidesWhatPostJobsAccepts) {
  TempFile file(R"({"type": "object", "required": ["seconds", "priority"], "additionalProperties": false,
                    "properties": {"seconds": {"type": "integer", "minimum": 1, "maximum": 60},
                                   "priority": {"enum": ["low", "high"]}}})");
  auto model = LoadRequestModel(file.path());
  ASSERT_TRUE(model.ok()) << model.error().message();
  EXPECT_TRUE(ParseJobParameters(R"({"seconds": 5, "priority": "low"})", *model).ok());
  auto missing = ParseJobParameters(R"({"seconds": 5})", *model);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "'priority' is required");
  auto extra = ParseJobParameters(R"({"seconds": 5, "priority": "low", "note": "x"})", *model);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().message(), "'note' is not allowed");
  auto batch =
      ParseJobBatch(R"({"jobs": [{"seconds": 5, "priority": "low"}, {"seconds": 61, "priority": "low"}]})", *model);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().message(), "jobs[1]: 'seconds' must be an integer between 1 and 60");
  // The checks that protect the store come first, whatever the model allows.
  auto reserved = ParseJobParameters(R"({"seconds": 5, "priority": "low", "version": 1})", *model);
  ASSERT_FALSE(reserved.ok());
  EXPECT_TRUE(reserved.error().message().starts_with("Parameter 'version' is reserved")) << reserved.error().message();
}

TEST(RequestModelTest, AModelWithoutRequirementsAcceptsAnyObject) {
  auto any_object = JsonSchema::Compile(boost::json::parse(R"({"type": "object"})"));
  ASSERT_TRUE(any_object.ok());
  EXPECT_TRUE(ParseJobParameters(R"({"anything": [1, 2]})", *any_object).ok());
  // The body is still a JSON object of parameters: the item's attributes.
  EXPECT_EQ(ParseJobParameters("[1]", *any_object).error().message(),
            "Request body must be a JSON object of job parameters");
  auto bounded = JsonSchema::Compile(boost::json::parse(R"({"maxProperties": 1})"));
  ASSERT_TRUE(bounded.ok());
  EXPECT_EQ(ParseJobParameters(R"({"a": 1, "b": 2})", *bounded).error().message(),
            "Job parameters must have at most 1 properties");
}

TEST(RequestModelTest, BadFilesAreRefusedNamingTheFileAndThePlace) {
  auto missing = LoadRequestModel("/nonexistent/model.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "request model /nonexistent/model.json is not a readable file");
  TempFile not_json("{\"type\": ");
  auto invalid = LoadRequestModel(not_json.path());
  ASSERT_FALSE(invalid.ok());
  EXPECT_TRUE(invalid.error().message().starts_with("request model " + not_json.path().string() + " is not valid JSON"))
      << invalid.error().message();
  TempFile bad_keyword(R"({"properties": {"seconds": {"type": "integer", "maximum": "10"}}})");
  auto bad = LoadRequestModel(bad_keyword.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "request model " + bad_keyword.path().string() + ": #/properties/seconds/maximum must be a number");
  TempFile remote(R"({"$ref": "https://example.com/model.json"})");
  auto refused = LoadRequestModel(remote.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("is not supported: only references within the model"), std::string::npos);
}

}  // namespace
}  // namespace jobstream::api
