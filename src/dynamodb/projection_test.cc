#include "dynamodb/projection.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

const json::object kNames = json::parse(R"({"#s": "status"})").as_object();
const Item kItem = json::parse(R"({
  "id": {"S": "job-1"}, "version": {"N": "2"}, "status": {"S": "Running"},
  "job_status": {"M": {"c1": {"M": {"status": {"S": "Pending"}, "results": {"N": "1"}}}, "c2": {"M": {}}}},
  "letters": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}]}})")
                       .as_object();

std::string Projected(std::string_view text) {
  auto projection = ParseProjection(text, {&kNames, nullptr});
  if (!projection.ok()) return "error: " + projection.error().message();
  return json::serialize(Project(*projection, kItem));
}

TEST(DynamoProjectionExpression, TopLevelAttributesAreKeptAndMissingOnesLeftOut) {
  EXPECT_EQ(Projected("id, version, absent"), R"({"id":{"S":"job-1"},"version":{"N":"2"}})");
  EXPECT_EQ(Projected("#s"), R"({"status":{"S":"Running"}})");
}

TEST(DynamoProjectionExpression, NestedPathsKeepTheirShapeAndListsCloseUp) {
  EXPECT_EQ(Projected("job_status.c1.#s"), R"({"job_status":{"M":{"c1":{"M":{"status":{"S":"Pending"}}}}}})");
  EXPECT_EQ(Projected("letters[2], letters[0]"), R"({"letters":{"L":[{"S":"a"},{"S":"c"}]}})");
  EXPECT_EQ(Projected("letters[7]"), R"({})");
  EXPECT_EQ(Projected("id.x"), R"({})");
}

TEST(DynamoProjectionExpression, OverlappingPathsAndBadSyntaxAreRefused) {
  EXPECT_EQ(Projected("job_status, job_status.c1"),
            "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
            "one of these paths; path one: [job_status], path two: [job_status, c1]");
  EXPECT_EQ(Projected("id,"), "error: Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(Projected("status"),
            "error: Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(Projected(""), "error: Invalid ProjectionExpression: The expression can not be empty;");
}

}  // namespace
}  // namespace jobstream::dynamodb
