#include "dynamodb/condition_expression.h"

#include <gtest/gtest.h>

#include <string>

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

const json::object kNames = json::parse(R"({"#s": "status", "#n": "name", "#d": "a.b"})").as_object();
const json::object kValues = json::parse(R"({
  ":one": {"N": "1"}, ":two": {"N": "2.0"}, ":five": {"N": "5"}, ":a": {"S": "a"}, ":run": {"S": "Running"},
  ":S": {"S": "S"}, ":N": {"S": "N"}, ":bad_type": {"S": "X"}, ":t": {"BOOL": true}, ":pre": {"S": "Run"},
  ":red": {"S": "red"}, ":three": {"N": "3"}})")
                                 .as_object();
const Item kItem = json::parse(R"({
  "id": {"S": "job-1"}, "version": {"N": "2"}, "status": {"S": "Running"}, "count": {"N": "5"},
  "a.b": {"S": "dotted"}, "flag": {"BOOL": true}, "nothing": {"NULL": true},
  "tags": {"SS": ["red", "blue"]}, "nums": {"NS": ["1", "3"]}, "colors": {"L": [{"S": "red"}, {"N": "1"}]},
  "doc": {"M": {"child": {"N": "1"}, "deep": {"L": [{"S": "x"}, {"N": "3"}]}}}})")
                       .as_object();

// Parses and evaluates; "error: <message>" when parsing fails.
std::string Eval(std::string_view text, const Item& item = kItem) {
  auto condition = ParseCondition(text, {&kNames, &kValues});
  if (!condition.ok()) return "error: " + condition.error().message();
  return Evaluate(*condition, item) ? "true" : "false";
}

TEST(DynamoConditionExpression, ReferenceWorkflowVersionConditionHoldsOnlyForTheCurrentVersion) {
  const json::object values = json::parse(R"({":cv": {"N": "2"}})").as_object();
  auto condition = ParseCondition("version = :cv", {nullptr, &values});
  ASSERT_TRUE(condition.ok()) << condition.error().message();
  EXPECT_TRUE(Evaluate(*condition, kItem));
  Item older = kItem;
  older["version"] = json::parse(R"({"N": "1"})");
  EXPECT_FALSE(Evaluate(*condition, older));
  EXPECT_FALSE(Evaluate(*condition, Item{}));  // a absent item is an empty one
}

TEST(DynamoConditionExpression, ComparatorsCompareNumbersByValueAndStringsByBytes) {
  EXPECT_EQ(Eval("version = :two"), "true");  // "2" = "2.0"
  EXPECT_EQ(Eval("version <> :one"), "true");
  EXPECT_EQ(Eval("version < :five"), "true");
  EXPECT_EQ(Eval("version <= :two"), "true");
  EXPECT_EQ(Eval("version > :one"), "true");
  EXPECT_EQ(Eval("version >= :five"), "false");
  EXPECT_EQ(Eval("#s = :run"), "true");
  EXPECT_EQ(Eval("#s > :a"), "false");       // 'R' < 'a'
  EXPECT_EQ(Eval("version = :a"), "false");  // different types are never equal
  EXPECT_EQ(Eval("version < :a"), "false");
  EXPECT_EQ(Eval("version = version"), "true");
}

TEST(DynamoConditionExpression, MissingAttributesMakeComparisonsFalseExceptNotEqual) {
  EXPECT_EQ(Eval("absent = :one"), "false");
  EXPECT_EQ(Eval("absent < :one"), "false");
  EXPECT_EQ(Eval("absent <> :one"), "true");
}

TEST(DynamoConditionExpression, BetweenAndInFollowTheirDefinitions) {
  EXPECT_EQ(Eval("version BETWEEN :one AND :five"), "true");
  EXPECT_EQ(Eval("version between :two and :two"), "true");  // keywords ignore case
  EXPECT_EQ(Eval("version BETWEEN :three AND :five"), "false");
  EXPECT_EQ(Eval("version BETWEEN :a AND :a"), "false");
  EXPECT_EQ(Eval("version IN (:one, :two)"), "true");
  EXPECT_EQ(Eval("#s IN (:a)"), "false");
  EXPECT_EQ(Eval("version BETWEEN :five AND :one"),
            "error: Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
            "equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: "
            "{N:1}");
}

TEST(DynamoConditionExpression, InAcceptsAtMostOneHundredOperands) {
  std::string list = ":one";
  for (int i = 1; i < 100; ++i) list += ", :one";
  EXPECT_EQ(Eval("version IN (" + list + ")"), "false");
  EXPECT_EQ(Eval("version IN (" + list + ", :two)"),
            "error: Invalid ConditionExpression: The IN operator is provided with too many operands; number of "
            "operands: 101");
}

TEST(DynamoConditionExpression, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  // true OR (false AND false) = true; (true OR false) AND false would be false.
  EXPECT_EQ(Eval("version = :two OR version = :one AND version = :five"), "true");
  EXPECT_EQ(Eval("(version = :two OR version = :one) AND version = :five"), "false");
  // NOT applies to the comparison only: (NOT false) AND true.
  EXPECT_EQ(Eval("NOT version = :one AND version = :two"), "true");
  EXPECT_EQ(Eval("NOT (version = :two AND version = :two)"), "false");
  EXPECT_EQ(Eval("NOT NOT version = :two"), "true");
}

TEST(DynamoConditionExpression, FunctionsFollowTheirDocumentedMeaning) {
  EXPECT_EQ(Eval("attribute_exists(id)"), "true");
  EXPECT_EQ(Eval("attribute_exists(absent)"), "false");
  EXPECT_EQ(Eval("attribute_not_exists(absent)"), "true");
  EXPECT_EQ(Eval("attribute_exists(doc.child)"), "true");
  EXPECT_EQ(Eval("attribute_exists(doc.deep[1])"), "true");
  EXPECT_EQ(Eval("attribute_exists(doc.deep[2])"), "false");
  EXPECT_EQ(Eval("attribute_type(id, :S)"), "true");
  EXPECT_EQ(Eval("attribute_type(id, :N)"), "false");
  EXPECT_EQ(Eval("begins_with(#s, :pre)"), "true");
  EXPECT_EQ(Eval("begins_with(version, :pre)"), "false");
  EXPECT_EQ(Eval("contains(tags, :red)"), "true");
  EXPECT_EQ(Eval("contains(nums, :three)"), "true");
  EXPECT_EQ(Eval("contains(nums, :red)"), "false");
  EXPECT_EQ(Eval("contains(colors, :red)"), "true");
  EXPECT_EQ(Eval("contains(#s, :pre)"), "true");
  EXPECT_EQ(Eval("size(tags) = :two"), "true");
  EXPECT_EQ(Eval("size(#s) > :five"), "true");
  EXPECT_EQ(Eval("size(version) = :one"), "false");  // numbers have no size
  EXPECT_EQ(Eval("size(doc.deep) BETWEEN :one AND :two"), "true");
}

TEST(DynamoConditionExpression, NamePlaceholdersReachNamesWithDotsAndReservedWords) {
  EXPECT_EQ(Eval("#d = :a"), "false");
  EXPECT_EQ(Eval("attribute_exists(#d)"), "true");  // the attribute "a.b", not a.b
  EXPECT_EQ(Eval("attribute_exists(a.b)"), "false");
}

TEST(DynamoConditionExpression, ReservedWordsNeedPlaceholders) {
  EXPECT_EQ(Eval("status = :run"),
            "error: Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(Eval("attribute_exists(doc.name)"),
            "error: Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name");
}

TEST(DynamoConditionExpression, UndefinedPlaceholdersAreNamedInTheError) {
  EXPECT_EQ(Eval("version = :v"),
            "error: Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
            "attribute value: :v");
  EXPECT_EQ(Eval("#x = :one"),
            "error: Invalid ConditionExpression: An expression attribute name used in the document path is not "
            "defined; attribute name: #x");
}

TEST(DynamoConditionExpression, SyntaxErrorsQuoteTheTokenAndItsNeighbours) {
  EXPECT_EQ(Eval("version = "), "error: Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \"");
  EXPECT_EQ(Eval("version == :one"),
            "error: Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :one\"");
  EXPECT_EQ(Eval("version = :one extra"),
            "error: Invalid ConditionExpression: Syntax error; token: \"extra\", near: \":one extra\"");
  EXPECT_EQ(Eval("version = $"), "error: Invalid ConditionExpression: Syntax error; token: \"$\", near: \"= $\"");
  EXPECT_EQ(Eval(""), "error: Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(Eval("(version = :one"),
            "error: Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":one\"");
}

TEST(DynamoConditionExpression, FunctionMisuseIsRefused) {
  EXPECT_EQ(Eval("nope(id)"), "error: Invalid ConditionExpression: Invalid function name; function: nope");
  EXPECT_EQ(Eval("attribute_exists(id, id)"),
            "error: Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or "
            "function: attribute_exists, number of operands: 2");
  EXPECT_EQ(Eval("attribute_exists(:one)"),
            "error: Invalid ConditionExpression: Operator or function requires a document path; operator or "
            "function: attribute_exists");
  EXPECT_EQ(Eval("if_not_exists(id, :one) = :one"),
            "error: Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
            "function: if_not_exists");
  EXPECT_NE(Eval("attribute_type(id, :bad_type)").find("Invalid attribute type name"), std::string::npos);
}

TEST(DynamoConditionExpression, HostileInputIsBounded) {
  EXPECT_EQ(Eval(std::string(5000, ' ') + "id = :one"),
            "error: Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression "
            "size: 5009");
  std::string nested = std::string(200, '(') + "id = :one" + std::string(200, ')');
  EXPECT_NE(Eval(nested).find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 500; ++i) nots += "NOT ";
  EXPECT_NE(Eval(nots + "id = :one").find("error: "), std::string::npos);
  std::string path = "doc";
  for (int i = 0; i < 32; ++i) path += ".a";
  EXPECT_EQ(Eval("attribute_exists(" + path + ")"),
            "error: Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33");
  std::string ors = "id = :one";
  for (int i = 0; i < 300; ++i) ors += " OR id = :one";
  EXPECT_NE(Eval(ors).find("too many operators"), std::string::npos);
}

TEST(DynamoConditionExpression, FilterExpressionNamesItselfInErrors) {
  auto condition = ParseCondition("", {}, "FilterExpression");
  ASSERT_FALSE(condition.ok());
  EXPECT_EQ(condition.error().message(), "Invalid FilterExpression: The expression can not be empty;");
}

}  // namespace
}  // namespace jobstream::dynamodb
