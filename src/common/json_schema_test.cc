#include "common/json_schema.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace jobstream {
namespace {

JsonSchema Compiled(std::string_view schema) {
  auto compiled = JsonSchema::Compile(boost::json::parse(schema));
  EXPECT_TRUE(compiled.ok()) << schema << ": " << compiled.error().message();
  return std::move(compiled).value();
}

// "'path' requirement" for the first violation, or "" when the instance conforms.
std::string Violation(std::string_view schema, std::string_view instance) {
  auto violation = Compiled(schema).Validate(boost::json::parse(instance));
  if (!violation) return "";
  return "'" + violation->path + "' " + violation->requirement;
}

std::string CompileError(std::string_view schema) {
  auto compiled = JsonSchema::Compile(boost::json::parse(schema));
  EXPECT_FALSE(compiled.ok()) << schema;
  return compiled.ok() ? "" : compiled.error().message();
}

TEST(JsonSchemaTest, ViolationsNameThePlaceAndTheRule) {
  EXPECT_EQ(Violation(R"({"type": "object", "required": ["a"]})", "{}"), "'a' is required");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"type": "integer"}}})", R"({"a": 1.5})"), "'a' must be an integer");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"type": ["string", "null"]}}})", R"({"a": 1})"),
            "'a' must be a string or null");
  EXPECT_EQ(Violation(R"({"type": ["integer", "string", "null"]})", "true"), "'' must be an integer, a string or null");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"maximum": 10}}})", R"({"a": 11})"), "'a' must be at most 10");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"maximum": 10, "exclusiveMaximum": true}}})", R"({"a": 10})"),
            "'a' must be less than 10");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"minimum": 0.5}}})", R"({"a": 0})"), "'a' must be at least 0.5");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"minimum": 0, "exclusiveMinimum": true}}})", R"({"a": 0})"),
            "'a' must be greater than 0");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"multipleOf": 0.01}}})", R"({"a": 0.015})"),
            "'a' must be a multiple of 0.01");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"multipleOf": 0.01}}})", R"({"a": 19.99})"), "");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"enum": ["low", "high"]}}})", R"({"a": "mid"})"),
            R"('a' must be one of "low", "high")");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"enum": [1]}}})", R"({"a": 1.0})"), "");
  EXPECT_EQ(Violation(R"({"additionalProperties": false, "properties": {"a": {}}})", R"({"a": 1, "b": 2})"),
            "'b' is not allowed");
  EXPECT_EQ(Violation(R"({"properties": {"tags": {"items": {"type": "string"}}}})", R"({"tags": ["x", "y", 3]})"),
            "'tags[2]' must be a string");
  EXPECT_EQ(Violation(R"({"properties": {"a": {"properties": {"b": {"type": "string"}}}}})", R"({"a": {"b": 1}})"),
            "'a.b' must be a string");
  EXPECT_EQ(Violation(R"({"items": [{}], "additionalItems": false})", "[1, 2]"), "'[1]' is not allowed");
  EXPECT_EQ(Violation(R"({"maxItems": 1})", "[1, 2]"), "'' must have at most 1 items");
  EXPECT_EQ(Violation(R"({"uniqueItems": true})", R"([{"a": 1, "b": 2}, {"b": 2, "a": 1.0}])"),
            "'' must not hold the same item twice (item 1 repeats an earlier one)");
  EXPECT_EQ(Violation(R"({"minProperties": 2})", R"({"a": 1})"), "'' must have at least 2 properties");
  EXPECT_EQ(Violation(R"({"dependencies": {"a": ["b"]}})", R"({"a": 1})"), "'b' is required when 'a' is present");
  EXPECT_EQ(Violation(R"({"properties": {"s": {"pattern": "^[a-z]+$"}}})", R"({"s": "A"})"),
            R"('s' must match the pattern "^[a-z]+$")");
  EXPECT_EQ(Violation(R"({"anyOf": [{"type": "string"}, {"type": "null"}]})", "1"),
            "'' must match at least one of the schemas in anyOf");
  EXPECT_EQ(Violation(R"({"oneOf": [{"type": "integer"}, {"minimum": 0}]})", "1"),
            "'' must match exactly one of the schemas in oneOf (it matches 2)");
  EXPECT_EQ(Violation(R"({"not": {"type": "null"}})", "null"), "'' must not match the schema in not");
  EXPECT_EQ(Violation(R"({"allOf": [{}, {"properties": {"a": {"type": "boolean"}}}]})", R"({"a": 1})"),
            "'a' must be a boolean");
}

TEST(JsonSchemaTest, TheReferenceRuleKeepsItsOneMessage) {
  const char* schema = R"({"properties": {"seconds": {"type": "integer", "minimum": 1, "maximum": 31536000}}})";
  for (const char* instance : {R"({"seconds": "5"})", R"({"seconds": 0})", R"({"seconds": 31536001})",
                               R"({"seconds": 1.5})", R"({"seconds": null})", R"({"seconds": 18446744073709551615})"}) {
    EXPECT_EQ(Violation(schema, instance), "'seconds' must be an integer between 1 and 31536000") << instance;
  }
  EXPECT_EQ(Violation(schema, R"({"seconds": 31536000})"), "");
  EXPECT_EQ(Violation(schema, R"({"seconds": 5.0})"), "");
}

TEST(JsonSchemaTest, LengthsCountCodePointsAndPatternsMatchThem) {
  EXPECT_EQ(Violation(R"({"maxLength": 2})", R"("é😀")"), "");
  EXPECT_EQ(Violation(R"({"maxLength": 1})", R"("é😀")"), "'' must be at most 1 characters long");
  EXPECT_EQ(Violation(R"({"minLength": 3})", R"("é😀")"), "'' must be at least 3 characters long");
  EXPECT_EQ(Violation(R"({"pattern": "^.$"})", R"("😀")"), "");
}

// std::regex backtracks: "(a+)+b" over 4,000 a's would run for ages and a long string could
// overflow the stack. The polynomial executor answers at once.
TEST(JsonSchemaTest, HostilePatternsAndLongStringsAnswerQuickly) {
  const std::string many_as(4000, 'a');
  EXPECT_EQ(Violation(R"({"pattern": "^(a+)+b$"})", "\"" + many_as + "\""), R"('' must match the pattern "^(a+)+b$")");
  EXPECT_EQ(Violation(R"({"pattern": "(x|y)*z"})", "\"" + std::string(kMaxPatternSubjectChars, 'x') + "z\""),
            "'' is longer than the 4096 characters a pattern is checked on");
  EXPECT_EQ(Violation(R"({"maxLength": 100000})", "\"" + std::string(100000, 'x') + "\""), "");
}

TEST(JsonSchemaTest, WorkMultipliedThroughRefsIsBounded) {
  // Each level tries both alternatives of the next: 2^40 paths without a bound.
  std::string schema = R"({"definitions": {"d0": {"type": "string"})";
  for (int i = 1; i <= 40; ++i) {
    schema += ", \"d" + std::to_string(i) + "\": {\"anyOf\": [{\"$ref\": \"#/definitions/d" + std::to_string(i - 1) +
              "\"}, {\"$ref\": \"#/definitions/d" + std::to_string(i - 1) + "\"}]}";
  }
  schema += R"(}, "$ref": "#/definitions/d40"})";
  EXPECT_EQ(Violation(schema, "1"), "'' is too complex to check against the model");
  EXPECT_EQ(Violation(schema, R"("x")"), "");
}

TEST(JsonSchemaTest, RefsResolveWithinTheModel) {
  const char* schema = R"({"definitions": {"tag": {"type": "string", "maxLength": 3}},
                           "properties": {"tags": {"items": {"$ref": "#/definitions/tag"}}},
                           "dependencies": {}})";
  EXPECT_EQ(Violation(schema, R"({"tags": ["abc", "abcd"]})"), "'tags[1]' must be at most 3 characters long");
  // A recursive model is fine when each step descends into the instance.
  const char* tree = R"({"definitions": {"node": {"type": "object", "properties": {
                            "children": {"type": "array", "items": {"$ref": "#/definitions/node"}},
                            "value": {"type": "integer"}}}},
                         "$ref": "#/definitions/node"})";
  EXPECT_EQ(Violation(tree, R"({"children": [{"children": [{"value": "x"}]}]})"),
            "'children[0].children[0].value' must be an integer");
}

TEST(JsonSchemaTest, MalformedSchemasAreRefusedNamingThePlace) {
  EXPECT_EQ(CompileError("[]"), "# must be a schema (a JSON object)");
  EXPECT_EQ(
      CompileError(R"({"type": "int"})"),
      "#/type must be one of array, boolean, integer, null, number, object, string, or a non-empty array of them");
  EXPECT_EQ(CompileError(R"({"properties": {"seconds": {"minimum": "1"}}})"),
            "#/properties/seconds/minimum must be a number");
  EXPECT_EQ(CompileError(R"({"required": "seconds"})"), "#/required must be a non-empty array of property names");
  EXPECT_EQ(CompileError(R"({"required": ["a", "a"]})"), R"(#/required holds "a" twice)");
  EXPECT_EQ(CompileError(R"({"maxLength": -1})"), "#/maxLength must be a non-negative integer");
  EXPECT_EQ(CompileError(R"({"maximum": 5, "exclusiveMaximum": 1})"),
            "#/exclusiveMaximum must be true or false (draft 4)");
  EXPECT_EQ(CompileError(R"({"exclusiveMinimum": true})"), "#/exclusiveMinimum needs minimum beside it");
  EXPECT_EQ(CompileError(R"({"multipleOf": 0})"), "#/multipleOf must be a number above 0");
  EXPECT_EQ(
      CompileError(R"({"items": [{"type": 1}]})"),
      "#/items/0/type must be one of array, boolean, integer, null, number, object, string, or a non-empty array of "
      "them");
  EXPECT_EQ(CompileError(R"({"anyOf": []})"), "#/anyOf must be a non-empty array of schemas");
  EXPECT_EQ(CompileError(R"({"additionalProperties": 1})"), "#/additionalProperties must be true, false or a schema");
  EXPECT_EQ(CompileError(R"({"properties": {"a/b": 1}})"), "#/properties/a~1b must be a schema (a JSON object)");
  EXPECT_EQ(CompileError(R"({"$schema": "http://json-schema.org/draft-07/schema#"})"),
            R"(#/$schema must be "http://json-schema.org/draft-04/schema#" (API Gateway models are draft 4))");
  EXPECT_EQ(CompileError(R"({"properties": {"a": {"id": "http://x/y"}}})"),
            "#/properties/a/id is not supported: an id below the root would change where $ref points");
}

TEST(JsonSchemaTest, BadPatternsAndRefsAreRefusedAtCompileTime) {
  EXPECT_TRUE(CompileError(R"({"pattern": "a)|(b"})").starts_with("#/pattern is not a valid regular expression: "));
  EXPECT_TRUE(CompileError(R"({"pattern": "(a)\\1"})")
                  .starts_with("#/pattern is not a valid regular expression (backreferences are not supported): "));
  EXPECT_TRUE(CompileError(R"({"patternProperties": {"[": {}}})")
                  .starts_with(R"(#/patternProperties key "[" is not a valid regular expression: )"));
  EXPECT_EQ(
      CompileError(R"({"$ref": "http://json-schema.org/draft-04/schema#"})"),
      R"(#/$ref "http://json-schema.org/draft-04/schema#" is not supported: only references within the model ("#", "#/definitions/…"))");
  EXPECT_EQ(CompileError(R"({"$ref": "other.json#/a"})"),
            R"(#/$ref "other.json#/a" is not supported: only references within the model ("#", "#/definitions/…"))");
  EXPECT_EQ(CompileError(R"({"$ref": "#foo"})"),
            R"(#/$ref "#foo" is not supported: only JSON pointers ("#/…") and "#")");
  EXPECT_EQ(CompileError(R"({"properties": {"a": {"$ref": "#/definitions/missing"}}})"),
            R"(#/properties/a/$ref "#/definitions/missing" points to nothing in the model)");
  EXPECT_EQ(CompileError(R"({"definitions": {"n": 5}, "$ref": "#/definitions/n"})"),
            R"(#/$ref "#/definitions/n" does not point to a schema (a JSON object))");
}

TEST(JsonSchemaTest, RefCyclesThatNeverDescendAreRefused) {
  EXPECT_EQ(CompileError(R"({"$ref": "#"})"),
            "# refers back to itself (through $ref) without descending into a property or item");
  EXPECT_FALSE(JsonSchema::Compile(boost::json::parse(
                                       R"({"definitions": {"a": {"allOf": [{"$ref": "#/definitions/b"}]},
                                                          "b": {"not": {"$ref": "#/definitions/a"}}},
                                          "anyOf": [{"$ref": "#/definitions/a"}]})"))
                   .ok());
  // Descending into a property first is not a cycle: that recursion ends with the instance.
  EXPECT_TRUE(JsonSchema::Compile(boost::json::parse(R"({"properties": {"next": {"$ref": "#"}}})")).ok());
}

}  // namespace
}  // namespace jobstream
