#include "dynamodb/update_expression.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

const json::object kNames = json::parse(R"({"#s": "status", "#js": "job_status"})").as_object();
const json::object kValues = json::parse(R"({
  ":one": {"N": "1"}, ":half": {"N": "0.5"}, ":s": {"S": "Success"}, ":v": {"N": "3"}, ":x": {"S": "x"},
  ":l": {"L": [{"S": "c"}]}, ":red": {"SS": ["red"]}, ":rg": {"SS": ["red", "green"]}, ":n5": {"NS": ["5"]},
  ":big": {"N": "9.9999999999999999999999999999999999999E+125"}, ":m": {"M": {}}})")
                                 .as_object();
const Item kItem = json::parse(R"({
  "id": {"S": "job-1"}, "version": {"N": "2"}, "job_status": {"M": {"c1": {"M": {"status": {"S": "Pending"}}}}},
  "hits": {"N": "10"}, "word": {"S": "w"}, "letters": {"L": [{"S": "a"}, {"S": "b"}, {"S": "z"}]},
  "colors": {"SS": ["red", "blue"]}})")
                       .as_object();

// Parses and applies; the new item as JSON text, or "error: <message>".
std::string Updated(std::string_view text, const Item& item = kItem) {
  auto update = ParseUpdateExpression(text, {&kNames, &kValues});
  if (!update.ok()) return "error: " + update.error().message();
  auto next = Apply(*update, item);
  if (!next.ok()) return "error: " + next.error().message();
  return json::serialize(*next);
}

// The value at top-level attribute `name` after the update, as JSON text.
std::string After(std::string_view text, std::string_view name) {
  auto update = ParseUpdateExpression(text, {&kNames, &kValues});
  if (!update.ok()) return "error: " + update.error().message();
  auto next = Apply(*update, kItem);
  if (!next.ok()) return "error: " + next.error().message();
  auto it = next->find(name);
  return it == next->end() ? "<absent>" : json::serialize(it->value());
}

TEST(DynamoUpdateExpression, ReferenceWorkflowSetsStatusAndVersion) {
  const json::object values =
      json::parse(R"({":s": {"M": {"status": {"S": "Success"}}}, ":v": {"N": "3"}})").as_object();
  auto update = ParseUpdateExpression("SET job_status=:s, version=:v", {nullptr, &values});
  ASSERT_TRUE(update.ok()) << update.error().message();
  auto next = Apply(*update, kItem);
  ASSERT_TRUE(next.ok()) << next.error().message();
  EXPECT_EQ(json::serialize((*next)["version"]), R"({"N":"3"})");
  EXPECT_EQ(json::serialize((*next)["job_status"]), R"({"M":{"status":{"S":"Success"}}})");
  EXPECT_EQ(json::serialize((*next)["id"]), R"({"S":"job-1"})");
}

TEST(DynamoUpdateExpression, SetArithmeticIsExactAndReadsTheItemBeforeTheUpdate) {
  EXPECT_EQ(After("SET hits = hits + :one", "hits"), R"({"N":"11"})");
  EXPECT_EQ(After("SET hits = hits - :half", "hits"), R"({"N":"9.5"})");
  // Both read the old hits (10), not the one the first action wrote.
  EXPECT_EQ(After("SET hits = :one, version = hits + :one", "version"), R"({"N":"11"})");
  EXPECT_EQ(After("SET hits = hits + :big", "hits"),
            "error: Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(After("SET hits = :big + :big", "hits"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
}

TEST(DynamoUpdateExpression, ArithmeticOnNonNumbersAndMissingOperandsFail) {
  EXPECT_EQ(Updated("SET word = word + :one"), "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Updated("SET hits = absent + :one"),
            "error: The provided expression refers to an attribute that does not exist in the item");
}

TEST(DynamoUpdateExpression, IfNotExistsAndListAppend) {
  EXPECT_EQ(After("SET hits = if_not_exists(hits, :one)", "hits"), R"({"N":"10"})");
  EXPECT_EQ(After("SET fresh = if_not_exists(fresh, :one)", "fresh"), R"({"N":"1"})");
  EXPECT_EQ(After("SET fresh = if_not_exists(fresh, :one) + :one", "fresh"), R"({"N":"2"})");
  EXPECT_EQ(After("SET letters = list_append(letters, :l)", "letters"),
            R"({"L":[{"S":"a"},{"S":"b"},{"S":"z"},{"S":"c"}]})");
  EXPECT_EQ(After("SET letters = list_append(:l, letters)", "letters"),
            R"({"L":[{"S":"c"},{"S":"a"},{"S":"b"},{"S":"z"}]})");
  EXPECT_EQ(Updated("SET letters = list_append(letters, :x)"),
            "error: An operand in the update expression has an incorrect data type");
}

TEST(DynamoUpdateExpression, NestedPathsAndListIndexesAreWrittenInPlace) {
  EXPECT_EQ(After("SET job_status.c1.#s = :s", "job_status"), R"({"M":{"c1":{"M":{"status":{"S":"Success"}}}}})");
  EXPECT_EQ(After("SET #js.c2 = :m", "job_status"), R"({"M":{"c1":{"M":{"status":{"S":"Pending"}}},"c2":{"M":{}}}})");
  EXPECT_EQ(After("SET letters[1] = :x", "letters"), R"({"L":[{"S":"a"},{"S":"x"},{"S":"z"}]})");
  // An index past the end appends.
  EXPECT_EQ(After("SET letters[10] = :x", "letters"), R"({"L":[{"S":"a"},{"S":"b"},{"S":"z"},{"S":"x"}]})");
  EXPECT_EQ(Updated("SET absent.inside = :x"),
            "error: The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Updated("SET word[0] = :x"),
            "error: The document path provided in the update expression is invalid for update");
}

TEST(DynamoUpdateExpression, RemoveDeletesAttributesElementsAndKeys) {
  EXPECT_EQ(After("REMOVE word", "word"), "<absent>");
  EXPECT_EQ(After("REMOVE absent", "word"), R"({"S":"w"})");
  EXPECT_EQ(After("REMOVE letters[0], letters[2]", "letters"), R"({"L":[{"S":"b"}]})");
  EXPECT_EQ(After("REMOVE job_status.c1.#s", "job_status"), R"({"M":{"c1":{"M":{}}}})");
  EXPECT_EQ(After("SET word = :x REMOVE hits", "hits"), "<absent>");
}

TEST(DynamoUpdateExpression, AddIncrementsNumbersAndUnitesSets) {
  EXPECT_EQ(After("ADD hits :one", "hits"), R"({"N":"11"})");
  EXPECT_EQ(After("ADD fresh :one", "fresh"), R"({"N":"1"})");
  EXPECT_EQ(After("ADD colors :rg", "colors"), R"({"SS":["red","blue","green"]})");
  EXPECT_EQ(After("ADD fresh :red", "fresh"), R"({"SS":["red"]})");
  EXPECT_EQ(Updated("ADD word :one"), "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Updated("ADD colors :n5"), "error: An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Updated("ADD word :x"),
            "error: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
            "operand type: STRING");
}

TEST(DynamoUpdateExpression, DeleteRemovesSetMembersAndTheEmptiedSet) {
  EXPECT_EQ(After("DELETE colors :red", "colors"), R"({"SS":["blue"]})");
  EXPECT_EQ(After("DELETE colors :rg", "colors"), R"({"SS":["blue"]})");
  EXPECT_EQ(After("DELETE fresh :red", "fresh"), "<absent>");
  const json::object values = json::parse(R"({":all": {"SS": ["red", "blue"]}})").as_object();
  auto update = ParseUpdateExpression("DELETE colors :all", {nullptr, &values});
  ASSERT_TRUE(update.ok());
  auto next = Apply(*update, kItem);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->count("colors"), 0u);
  EXPECT_EQ(Updated("DELETE hits :one"),
            "error: Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, "
            "operand type: NUMBER");
}

TEST(DynamoUpdateExpression, EachClauseAtMostOnceAndPathsMustNotOverlap) {
  EXPECT_EQ(Updated("SET word = :x SET hits = :one"),
            "error: Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
  EXPECT_EQ(Updated("SET job_status = :m REMOVE job_status.c1"),
            "error: Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one "
            "of these paths; path one: [job_status], path two: [job_status, c1]");
  EXPECT_EQ(Updated("SET word = :x, word = :x"),
            "error: Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one "
            "of these paths; path one: [word], path two: [word]");
  EXPECT_EQ(Updated("SET letters[0] = :x REMOVE letters.a"),
            "error: Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite "
            "one of these paths; path one: [letters, [0]], path two: [letters, a]");
}

TEST(DynamoUpdateExpression, SyntaxAndPlaceholderErrorsUseDynamoDbsWording) {
  EXPECT_EQ(Updated("SET"), "error: Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\"");
  EXPECT_EQ(Updated("ADD hits : incr"),
            "error: Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"");
  EXPECT_EQ(Updated("UPSERT a = :x"),
            "error: Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT a\"");
  EXPECT_EQ(Updated("SET a = :nope"),
            "error: Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :nope");
  EXPECT_EQ(Updated("SET #nope = :x"),
            "error: Invalid UpdateExpression: An expression attribute name used in the document path is not "
            "defined; attribute name: #nope");
  EXPECT_EQ(Updated("SET status = :s"),
            "error: Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(Updated(""), "error: Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(Updated("set word = :x remove hits").substr(0, 5), "{\"id\"");  // keywords ignore case
}

}  // namespace
}  // namespace jobstream::dynamodb
