#include "stream/filter_pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jobstream::stream {
namespace {

namespace json = boost::json;

// A DynamoDB Streams record for a job, shaped as the stream emits it.
json::value JobRecord(std::string_view event_name, std::string_view status, std::string_view seconds) {
  json::value record = json::parse(R"({
      "eventID": "00000000000000000001", "eventName": "INSERT", "eventSource": "aws:dynamodb",
      "dynamodb": {
        "Keys": {"id": {"S": "job-1"}},
        "NewImage": {"id": {"S": "job-1"}, "parameters": {"M": {"seconds": {"N": "1"}}},
                     "status": {"S": "Pending"}, "urgent": {"BOOL": true},
                     "tags": {"L": [{"S": "batch"}, {"S": "nightly"}]}},
        "SequenceNumber": "00000000000000000001", "StreamViewType": "NEW_IMAGE"}})");
  // Assign through at(): object::operator[] may rehash and invalidate references we hold.
  record.at("eventName") = event_name;
  json::object& image = record.at("dynamodb").at("NewImage").as_object();
  image.at("status").at("S") = status;
  image.at("parameters").at("M").at("seconds").at("N") = seconds;
  return record;
}

json::value Insert(std::string_view status = "Pending", std::string_view seconds = "1") {
  return JobRecord("INSERT", status, seconds);
}

FilterPattern MustParse(std::string_view text) {
  auto pattern = FilterPattern::Parse(text);
  EXPECT_TRUE(pattern.ok()) << text << ": " << pattern.error().message();
  return std::move(pattern).value();
}

bool Matches(std::string_view pattern, const json::value& record) { return MustParse(pattern).Matches(record); }

bool MatchesText(std::string_view pattern, std::string_view record_json) {
  return MustParse(pattern).Matches(json::parse(record_json));
}

// A pattern testing the status attribute of the new image with the given matcher array.
std::string StatusPattern(std::string_view matchers) {
  return R"({"dynamodb": {"NewImage": {"status": {"S": )" + std::string(matchers) + "}}}}";
}

std::string SecondsPattern(std::string_view matchers) {
  return R"({"dynamodb": {"NewImage": {"parameters": {"M": {"seconds": {"N": )" + std::string(matchers) + "}}}}}}";
}

TEST(FilterPatternTest, DefaultConsumerFilterMatchesInsertButNotModify) {
  FilterPattern pattern = MustParse(R"({"eventName": ["INSERT"]})");
  EXPECT_TRUE(pattern.Matches(Insert()));
  EXPECT_FALSE(pattern.Matches(JobRecord("MODIFY", "Pending", "1")));
  EXPECT_FALSE(pattern.Matches(JobRecord("REMOVE", "Pending", "1")));
}

TEST(FilterPatternTest, ExactStringMatchesNestedDynamoAttribute) {
  EXPECT_TRUE(Matches(StatusPattern(R"(["Pending"])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"(["Pending"])"), Insert("Running")));
  EXPECT_FALSE(Matches(StatusPattern(R"(["pending"])"), Insert("Pending")));
}

TEST(FilterPatternTest, LeafMatchesWhenAnyMatcherMatches) {
  EXPECT_TRUE(Matches(StatusPattern(R"(["Running", "Pending"])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"(["Running", "Done"])"), Insert("Pending")));
}

TEST(FilterPatternTest, EveryKeyMustMatch) {
  const std::string pattern = R"({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["Running"]}}}})";
  EXPECT_FALSE(Matches(pattern, Insert("Pending")));
  EXPECT_TRUE(Matches(pattern, Insert("Running")));
  EXPECT_FALSE(Matches(pattern, JobRecord("MODIFY", "Running", "1")));
}

TEST(FilterPatternTest, PrefixAndSuffixMatchStringEnds) {
  EXPECT_TRUE(Matches(StatusPattern(R"([{"prefix": "Pend"}])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"prefix": "ending"}])"), Insert("Pending")));
  EXPECT_TRUE(Matches(StatusPattern(R"([{"suffix": "ing"}])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"suffix": "Pend"}])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"prefix": "PendingX"}])"), Insert("Pending")));
}

TEST(FilterPatternTest, PrefixAndSuffixCanIgnoreCase) {
  EXPECT_TRUE(Matches(StatusPattern(R"([{"prefix": {"equals-ignore-case": "pEND"}}])"), Insert()));
  EXPECT_TRUE(Matches(StatusPattern(R"([{"suffix": {"equals-ignore-case": "ING"}}])"), Insert()));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"prefix": "pend"}])"), Insert()));
}

TEST(FilterPatternTest, EqualsIgnoreCaseIgnoresAsciiCase) {
  EXPECT_TRUE(Matches(StatusPattern(R"([{"equals-ignore-case": "PENDING"}])"), Insert("Pending")));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"equals-ignore-case": "PEND"}])"), Insert("Pending")));
}

TEST(FilterPatternTest, WildcardMatchesGlobsWithEscapes) {
  EXPECT_TRUE(MatchesText(R"({"f": [{"wildcard": "job-*-done"}]})", R"({"f": "job-12-done"})"));
  EXPECT_TRUE(MatchesText(R"({"f": [{"wildcard": "job-*-done"}]})", R"({"f": "job--done"})"));
  EXPECT_FALSE(MatchesText(R"({"f": [{"wildcard": "job-*-done"}]})", R"({"f": "job-12-don"})"));
  EXPECT_TRUE(MatchesText(R"({"f": [{"wildcard": "*a*b*"}]})", R"({"f": "xxaxxbxx"})"));
  EXPECT_FALSE(MatchesText(R"({"f": [{"wildcard": "*a*b"}]})", R"({"f": "xxbxxa"})"));
  EXPECT_TRUE(MatchesText(R"({"f": [{"wildcard": "*"}]})", R"({"f": ""})"));
  EXPECT_TRUE(MatchesText(R"({"f": [{"wildcard": "a\\*b"}]})", R"({"f": "a*b"})"));
  EXPECT_FALSE(MatchesText(R"({"f": [{"wildcard": "a\\*b"}]})", R"({"f": "axxb"})"));
}

TEST(FilterPatternTest, NumericRangeMatchesDynamoNumberStrings) {
  const std::string pattern = SecondsPattern(R"([{"numeric": [">", 0, "<=", 5]}])");
  EXPECT_TRUE(Matches(pattern, Insert("Pending", "1")));
  EXPECT_TRUE(Matches(pattern, Insert("Pending", "5")));
  EXPECT_TRUE(Matches(pattern, Insert("Pending", "0.5")));
  EXPECT_FALSE(Matches(pattern, Insert("Pending", "0")));
  EXPECT_FALSE(Matches(pattern, Insert("Pending", "5.01")));
  EXPECT_FALSE(Matches(pattern, Insert("Pending", "-3")));
}

TEST(FilterPatternTest, NumericComparesJsonNumbersOfEveryKind) {
  EXPECT_TRUE(MatchesText(R"({"n": [{"numeric": ["=", 5]}]})", R"({"n": 5})"));
  EXPECT_TRUE(MatchesText(R"({"n": [{"numeric": ["=", 5]}]})", R"({"n": 5.0})"));
  EXPECT_TRUE(MatchesText(R"({"n": [{"numeric": [">=", 5]}]})", R"({"n": 18446744073709551615})"));
  EXPECT_TRUE(MatchesText(R"({"n": [{"numeric": ["<", 0]}]})", R"({"n": -0.5})"));
  EXPECT_FALSE(MatchesText(R"({"n": [{"numeric": ["<", 0]}]})", R"({"n": 0})"));
  EXPECT_TRUE(MatchesText(R"({"n": [{"numeric": ["<=", 10, ">=", 10]}]})", R"({"n": 10})"));
}

TEST(FilterPatternTest, NumericIgnoresTextThatIsNotWhollyANumber) {
  const std::string pattern = R"({"n": [{"numeric": [">", -1000]}]})";
  for (const char* text : {R"("5abc")", R"("")", R"("inf")", R"("nan")", R"(" 5")", R"(true)", R"(null)"}) {
    EXPECT_FALSE(MatchesText(pattern, std::string(R"({"n": )") + text + "}")) << text;
  }
}

TEST(FilterPatternTest, ExactNumberMatchesNumbersAndNumericStrings) {
  EXPECT_TRUE(Matches(SecondsPattern("[1]"), Insert("Pending", "1")));
  EXPECT_TRUE(Matches(SecondsPattern(R"(["1"])"), Insert("Pending", "1")));
  EXPECT_FALSE(Matches(SecondsPattern(R"(["1.0"])"), Insert("Pending", "1")));
  EXPECT_TRUE(Matches(SecondsPattern("[1.0]"), Insert("Pending", "1")));
  EXPECT_FALSE(MatchesText(R"({"n": ["5"]})", R"({"n": 5})"));  // string matchers need strings
}

TEST(FilterPatternTest, NullAndBoolMatchExactly) {
  EXPECT_TRUE(MatchesText(R"({"x": [null]})", R"({"x": null})"));
  EXPECT_FALSE(MatchesText(R"({"x": [null]})", R"({"y": 1})"));
  EXPECT_FALSE(MatchesText(R"({"x": [null]})", R"({"x": ""})"));
  EXPECT_TRUE(MatchesText(R"({"x": [""]})", R"({"x": ""})"));
  EXPECT_TRUE(Matches(R"({"dynamodb": {"NewImage": {"urgent": {"BOOL": [true]}}}})", Insert()));
  EXPECT_FALSE(Matches(R"({"dynamodb": {"NewImage": {"urgent": {"BOOL": [false]}}}})", Insert()));
}

TEST(FilterPatternTest, ExistsTrueNeedsALeafValue) {
  EXPECT_TRUE(Matches(StatusPattern(R"([{"exists": true}])"), Insert()));
  EXPECT_FALSE(Matches(R"({"dynamodb": {"NewImage": {"missing": {"S": [{"exists": true}]}}}})", Insert()));
  // AWS: exists works on leaf nodes only; an object is not one.
  EXPECT_FALSE(Matches(R"({"dynamodb": {"NewImage": [{"exists": true}]}})", Insert()));
  EXPECT_TRUE(MatchesText(R"({"x": [{"exists": true}]})", R"({"x": null})"));
  EXPECT_FALSE(MatchesText(R"({"x": [{"exists": true}]})", R"({"x": []})"));
}

TEST(FilterPatternTest, ExistsFalseMatchesMissingFieldEvenUnderMissingParent) {
  // An INSERT record has no OldImage at all.
  EXPECT_TRUE(Matches(R"({"dynamodb": {"OldImage": {"status": {"S": [{"exists": false}]}}}})", Insert()));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"exists": false}])"), Insert()));
  EXPECT_TRUE(MatchesText(R"({"x": [{"exists": false}]})", R"({"x": {"nested": 1}})"));
}

TEST(FilterPatternTest, AnythingButExcludesListedValuesAndNeedsTheField) {
  const std::string pattern = StatusPattern(R"([{"anything-but": ["Done", "Failed"]}])");
  EXPECT_TRUE(Matches(pattern, Insert("Pending")));
  EXPECT_FALSE(Matches(pattern, Insert("Done")));
  EXPECT_FALSE(Matches(pattern, Insert("Failed")));
  EXPECT_FALSE(MatchesText(R"({"x": [{"anything-but": "a"}]})", R"({"y": "b"})"));
  EXPECT_TRUE(MatchesText(R"({"x": [{"anything-but": "a"}]})", R"({"x": "b"})"));
}

TEST(FilterPatternTest, AnythingButNumberComparesDynamoNumbersNumerically) {
  EXPECT_FALSE(Matches(SecondsPattern(R"([{"anything-but": 1}])"), Insert("Pending", "1")));
  EXPECT_TRUE(Matches(SecondsPattern(R"([{"anything-but": [1, 2]}])"), Insert("Pending", "3")));
}

TEST(FilterPatternTest, AnythingButAcceptsPrefixSuffixIgnoreCaseAndWildcard) {
  EXPECT_FALSE(Matches(StatusPattern(R"([{"anything-but": {"prefix": "Pend"}}])"), Insert()));
  EXPECT_TRUE(Matches(StatusPattern(R"([{"anything-but": {"prefix": "Fail"}}])"), Insert()));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"anything-but": {"suffix": "ding"}}])"), Insert()));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"anything-but": {"equals-ignore-case": ["x", "PENDING"]}}])"), Insert()));
  EXPECT_TRUE(Matches(StatusPattern(R"([{"anything-but": {"equals-ignore-case": "done"}}])"), Insert()));
  EXPECT_FALSE(Matches(StatusPattern(R"([{"anything-but": {"wildcard": "P*g"}}])"), Insert()));
}

TEST(FilterPatternTest, ArrayFieldMatchesWhenAnyElementMatches) {
  EXPECT_TRUE(MatchesText(R"({"tags": ["b"]})", R"({"tags": ["a", "b"]})"));
  EXPECT_FALSE(MatchesText(R"({"tags": ["c"]})", R"({"tags": ["a", "b"]})"));
  EXPECT_TRUE(MatchesText(R"({"tags": [{"anything-but": "a"}]})", R"({"tags": ["a", "b"]})"));
  EXPECT_TRUE(Matches(R"({"dynamodb": {"NewImage": {"tags": {"L": {"S": ["nightly"]}}}}})", Insert()));
}

TEST(FilterPatternTest, NestedPatternSearchesArraysOfObjects) {
  EXPECT_TRUE(MatchesText(R"({"items": {"k": ["b"]}})", R"({"items": [{"k": "a"}, {"k": "b"}]})"));
  EXPECT_FALSE(MatchesText(R"({"items": {"k": ["c"]}})", R"({"items": [{"k": "a"}, {"k": "b"}]})"));
}

TEST(FilterPatternTest, OrNeedsOneAlternativeToMatch) {
  const std::string pattern = R"({"$or": [
      {"eventName": ["MODIFY"]},
      {"dynamodb": {"NewImage": {"status": {"S": ["Pending"]}}}}]})";
  EXPECT_TRUE(Matches(pattern, Insert("Pending")));
  EXPECT_FALSE(Matches(pattern, Insert("Running")));
  EXPECT_TRUE(Matches(pattern, JobRecord("MODIFY", "Running", "1")));
}

TEST(FilterPatternTest, OrCombinesWithSiblingKeysAndWorksWhenNested) {
  const std::string pattern = R"({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"$or": [
      {"status": {"S": ["Done"]}},
      {"parameters": {"M": {"seconds": {"N": [{"numeric": [">", 10]}]}}}}]}}})";
  EXPECT_FALSE(Matches(pattern, Insert("Pending", "1")));
  EXPECT_TRUE(Matches(pattern, Insert("Done", "1")));
  EXPECT_TRUE(Matches(pattern, Insert("Pending", "30")));
  EXPECT_FALSE(Matches(pattern, JobRecord("MODIFY", "Done", "30")));
}

TEST(FilterPatternTest, RecordThatIsNotAnObjectOnlyMatchesAbsence) {
  EXPECT_TRUE(Matches(R"({"x": [{"exists": false}]})", json::value("text")));
  EXPECT_FALSE(Matches(R"({"x": ["text"]})", json::value("text")));
}

TEST(FilterPatternTest, CopiedAndMovedPatternsMatchLikeTheOriginal) {
  FilterPattern original = MustParse(R"({"eventName": ["INSERT"]})");
  FilterPattern copy = original;
  FilterPattern moved = std::move(original);
  EXPECT_TRUE(copy.Matches(Insert()));
  EXPECT_TRUE(moved.Matches(Insert()));
  EXPECT_FALSE(copy.Matches(JobRecord("MODIFY", "Pending", "1")));
}

// ---- Parse-time validation ----

// Parses `text`, expects an InvalidArgument error, and returns its message.
std::string ParseError(std::string_view text) {
  auto pattern = FilterPattern::Parse(text);
  EXPECT_FALSE(pattern.ok()) << text;
  if (pattern.ok()) return "";
  EXPECT_EQ(pattern.error().code(), StatusCode::kInvalidArgument) << text;
  return pattern.error().message();
}

bool Mentions(const std::string& message, std::string_view part) { return message.find(part) != std::string::npos; }

TEST(FilterPatternParseTest, RejectsTextThatIsNotAJsonObject) {
  EXPECT_TRUE(Mentions(ParseError(R"({"eventName": ["INSERT"])"), "not valid JSON"));
  EXPECT_TRUE(Mentions(ParseError(R"(["INSERT"])"), "must be a JSON object"));
  EXPECT_TRUE(Mentions(ParseError(""), "not valid JSON"));
}

TEST(FilterPatternParseTest, RejectsEmptyPatternsAndEmptyMatcherArrays) {
  EXPECT_TRUE(Mentions(ParseError("{}"), "empty object"));
  EXPECT_TRUE(Mentions(ParseError(R"({"dynamodb": {}})"), "\"dynamodb\""));
  EXPECT_TRUE(Mentions(ParseError(R"({"eventName": []})"), "empty matcher array"));
}

TEST(FilterPatternParseTest, RejectsLeafThatIsNotAnArrayNamingItsPath) {
  const std::string message = ParseError(R"({"dynamodb": {"NewImage": {"status": {"S": "Pending"}}}})");
  EXPECT_TRUE(Mentions(message, "\"dynamodb.NewImage.status.S\"")) << message;
  EXPECT_TRUE(Mentions(message, "array of matchers")) << message;
  EXPECT_TRUE(Mentions(ParseError(R"({"eventName": "INSERT"})"), "\"eventName\""));
  EXPECT_TRUE(Mentions(ParseError(R"({"n": 5})"), "\"n\""));
}

TEST(FilterPatternParseTest, RejectsUnknownMatcherNamingIt) {
  const std::string message = ParseError(R"({"eventName": [{"prefx": "IN"}]})");
  EXPECT_TRUE(Mentions(message, "unknown matcher \"prefx\"")) << message;
  EXPECT_TRUE(Mentions(message, "\"eventName\"")) << message;
  EXPECT_TRUE(Mentions(ParseError(R"({"ip": [{"cidr": "10.0.0.0/8"}]})"), "\"cidr\""));
}

TEST(FilterPatternParseTest, RejectsMatcherObjectsWithOtherThanOneKey) {
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"prefix": "x", "suffix": "y"}]})"), "exactly one key"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{}]})"), "exactly one key"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [["x"]]})"), "cannot be an array"));
}

TEST(FilterPatternParseTest, RejectsBadNumericOperatorNamingIt) {
  EXPECT_TRUE(Mentions(ParseError(R"({"n": [{"numeric": ["=>", 1]}]})"), "\"=>\""));
}

TEST(FilterPatternParseTest, RejectsMalformedNumericRanges) {
  const char* malformed[] = {
      R"({"n": [{"numeric": [">"]}]})",
      R"({"n": [{"numeric": [">", 1, "<"]}]})",
      R"({"n": [{"numeric": [">", 1, "<", 5, ">", 0]}]})",
      R"({"n": [{"numeric": ">"}]})",
      R"({"n": [{"numeric": [">", "1"]}]})",
      R"({"n": [{"numeric": [1, ">"]}]})",
      R"({"n": [{"numeric": ["<", 1, "<", 2]}]})",
      R"({"n": [{"numeric": [">", 1, ">=", 2]}]})",
      R"({"n": [{"numeric": ["=", 1, "<", 2]}]})",
      R"({"n": [{"numeric": [">", 5, "<", 1]}]})",
      R"({"n": [{"numeric": [">", 5, "<=", 5]}]})",
  };
  for (const char* text : malformed) EXPECT_TRUE(Mentions(ParseError(text), "\"numeric\"")) << text;
}

TEST(FilterPatternParseTest, RejectsWrongOperandsForStringMatchers) {
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"prefix": 5}]})"), "\"prefix\" takes a string"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"suffix": ["x"]}]})"), "\"suffix\" takes a string"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"equals-ignore-case": ["x"]}]})"), "takes a string"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"exists": "yes"}]})"), "true or false"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"wildcard": "a**b"}]})"), "consecutive"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"wildcard": "a\\xb"}]})"), "escape"));
  EXPECT_TRUE(Mentions(ParseError(R"({"a": [{"wildcard": "ab\\"}]})"), "escape"));
}

TEST(FilterPatternParseTest, RejectsMalformedAnythingBut) {
  const char* malformed[] = {
      R"({"a": [{"anything-but": ["x", 1]}]})",
      R"({"a": [{"anything-but": [1, "x"]}]})",
      R"({"a": [{"anything-but": []}]})",
      R"({"a": [{"anything-but": true}]})",
      R"({"a": [{"anything-but": null}]})",
      R"({"a": [{"anything-but": {}}]})",
      R"({"a": [{"anything-but": {"numeric": [">", 1]}}]})",
      R"({"a": [{"anything-but": {"prefix": {"equals-ignore-case": "x"}}}]})",
  };
  for (const char* text : malformed) EXPECT_TRUE(Mentions(ParseError(text), "key \"a\"")) << text;
}

TEST(FilterPatternParseTest, RejectsOrWithoutTwoPatternAlternatives) {
  EXPECT_TRUE(Mentions(ParseError(R"({"$or": [{"a": ["x"], "b": ["y"]}]})"), "at least two"));
  EXPECT_TRUE(Mentions(ParseError(R"({"$or": {"a": ["x"]}})"), "at least two"));
  EXPECT_TRUE(Mentions(ParseError(R"({"$or": [{"a": ["x"]}, ["y"]]})"), "\"$or[1]\""));
  EXPECT_TRUE(Mentions(ParseError(R"({"$or": [{"a": ["x"]}, {"b": "y"}]})"), "\"$or[1].b\""));
}

TEST(FilterPatternParseTest, RejectsPatternsNestedTooDeep) {
  std::string deep;
  for (int i = 0; i < kMaxPatternDepth; ++i) deep += R"({"k": )";
  deep += R"(["v"])";
  for (int i = 0; i < kMaxPatternDepth; ++i) deep += "}";
  EXPECT_TRUE(FilterPattern::Parse(deep).ok());
  EXPECT_TRUE(Mentions(ParseError(R"({"k": )" + deep + "}"), "nested deeper"));
}

TEST(FilterPatternParseTest, RejectsTooManyMatchers) {
  std::string many = R"({"a": [)";
  for (size_t i = 0; i <= kMaxPatternOperands; ++i) many += (i == 0 ? "" : ",") + std::to_string(i);
  many += "]}";
  ASSERT_LE(many.size(), kMaxPatternBytes);
  EXPECT_TRUE(Mentions(ParseError(many), "too many matchers"));
}

TEST(FilterPatternParseTest, RejectsPatternTextOverTheSizeLimit) {
  const std::string big = R"({"a": [")" + std::string(kMaxPatternBytes, 'x') + R"("]})";
  EXPECT_TRUE(Mentions(ParseError(big), "limit"));
}

// ---- Several filters ----

TEST(FilterCriteriaTest, NoFiltersMatchEveryRecord) {
  FilterCriteria none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.Matches(JobRecord("REMOVE", "Done", "1")));
  auto parsed = FilterCriteria::Parse({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->Matches(JobRecord("MODIFY", "Done", "1")));
}

TEST(FilterCriteriaTest, RecordPassesWhenAnyFilterMatches) {
  auto criteria = FilterCriteria::Parse({
      R"({"eventName": ["INSERT"]})",
      R"({"dynamodb": {"NewImage": {"status": {"S": ["Done"]}}}})",
  });
  ASSERT_TRUE(criteria.ok()) << criteria.error().message();
  EXPECT_EQ(criteria->size(), 2u);
  EXPECT_TRUE(criteria->Matches(Insert("Pending")));
  EXPECT_TRUE(criteria->Matches(JobRecord("MODIFY", "Done", "1")));
  EXPECT_FALSE(criteria->Matches(JobRecord("MODIFY", "Running", "1")));
}

TEST(FilterCriteriaTest, ParseErrorNamesTheBadFilter) {
  auto criteria = FilterCriteria::Parse({R"({"eventName": ["INSERT"]})", R"({"eventName": "x"})"});
  ASSERT_FALSE(criteria.ok());
  EXPECT_EQ(criteria.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(criteria.error().message().rfind("filter 1: ", 0), 0u) << criteria.error().message();
}

TEST(FilterCriteriaTest, RejectsMoreFiltersThanLambdaAllows) {
  std::vector<std::string> patterns(kMaxFilters + 1, R"({"eventName": ["INSERT"]})");
  auto criteria = FilterCriteria::Parse(patterns);
  ASSERT_FALSE(criteria.ok());
  EXPECT_TRUE(Mentions(criteria.error().message(), "at most"));
}

}  // namespace
}  // namespace jobstream::stream
