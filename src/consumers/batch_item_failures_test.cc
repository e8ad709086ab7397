#include "consumers/batch_item_failures.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace jobstream::consumers {
namespace {

const std::vector<std::string> kBatch = {"000000000000000000007", "000000000000000000009", "000000000000000000012"};

BatchResponse Read(const char* response) { return ReadBatchResponse(boost::json::parse(response), kBatch); }

TEST(BatchItemFailuresTest, NullOrEmptyAnswersAreCompleteSuccess) {
  for (const char* response :
       {"null", "{}", R"({"batchItemFailures": null})", R"({"batchItemFailures": []})", R"({"other": 1})"}) {
    BatchResponse answer = Read(response);
    EXPECT_EQ(answer.first_failed, kBatch.size()) << response;
    EXPECT_TRUE(answer.unreadable.empty()) << response;
  }
}

TEST(BatchItemFailuresTest, TheLowestReportedRecordAndEveryOneAfterItFail) {
  EXPECT_EQ(Read(R"({"batchItemFailures": [{"itemIdentifier": "000000000000000000012"}]})").first_failed, 2u);
  BatchResponse answer = Read(
      R"({"batchItemFailures": [{"itemIdentifier": "000000000000000000012"}, {"itemIdentifier": "000000000000000000009"}]})");
  EXPECT_EQ(answer.first_failed, 1u);
  EXPECT_TRUE(answer.unreadable.empty());
}

TEST(BatchItemFailuresTest, AnAnswerThatCannotBeReadFailsTheWholeBatch) {
  for (const char* response :
       {R"("done")", R"([1])", R"({"batchItemFailures": {}})", R"({"batchItemFailures": [{}]})",
        R"({"batchItemFailures": [{"itemIdentifier": ""}]})", R"({"batchItemFailures": [{"itemIdentifier": null}]})",
        R"({"batchItemFailures": [{"itemIdentifier": 9}]})",
        R"({"batchItemFailures": [{"ItemIdentifier": "000000000000000000009"}]})",
        R"({"batchItemFailures": [{"itemIdentifier": "000000000000000000010"}]})", R"({"batchItemFailures": ["x"]})"}) {
    BatchResponse answer = Read(response);
    EXPECT_EQ(answer.first_failed, 0u) << response;
    EXPECT_FALSE(answer.unreadable.empty()) << response;
  }
}

}  // namespace
}  // namespace jobstream::consumers
