// JSON Schema draft 4 (the dialect of API Gateway's models) over Boost.JSON values.
//
// The validation vocabulary: type ("integer": a number with no fractional part), enum, required,
// properties, additionalProperties, patternProperties, min/maxProperties, dependencies, items
// (schema or array), additionalItems, min/maxItems, uniqueItems, minimum/maximum with draft 4's
// boolean exclusiveMinimum/exclusiveMaximum, multipleOf, min/maxLength (in code points), pattern,
// allOf/anyOf/oneOf/not, definitions and local "$ref" (JSON pointers into the same document; as in
// draft 4 a $ref replaces its siblings). `format` and the annotations are ignored (draft 4 makes
// format optional). Remote refs, `id` base URIs and unknown `$schema` dialects are refused.
//
// The schema is checked when compiled (keyword types, patterns, refs, cycles), so validation never
// meets a malformed schema. Patterns are ECMA 262 as std::wregex has it, over code points, run by
// libstdc++'s polynomial (Thompson) executor, so no input backtracks catastrophically; patterns
// with backreferences are refused. A string longer than kMaxPatternSubjectChars code points is
// refused by any pattern it meets rather than matched.
//
// Thread-safety: a compiled JsonSchema is immutable; Validate may run on any number of threads.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace jobstream {

// Longest string (in code points) a `pattern` or `patternProperties` key is matched against.
inline constexpr std::size_t kMaxPatternSubjectChars = 4096;

// How many schemas one validation may visit (allOf/anyOf/oneOf over refs can multiply them): an
// instance that needs more is refused instead of tying up a thread.
inline constexpr std::size_t kMaxSchemaSteps = 100000;

// Why an instance does not conform: where (a path such as `a.b[2]`, empty for the instance
// itself) and what it must do there ("must be an integer", "is required").
struct SchemaViolation {
  std::string path;
  std::string requirement;
};

class JsonSchema {
 public:
  // Checks and compiles a draft-4 schema. Errors are kInvalidArgument naming the place in the
  // schema as a JSON pointer ("#/properties/seconds/minimum must be a number").
  static Result<JsonSchema> Compile(boost::json::value schema);

  // The first violation found, or nullopt when `instance` conforms.
  std::optional<SchemaViolation> Validate(const boost::json::value& instance) const;

  // The schema as compiled.
  const boost::json::value& document() const;

  struct Compiled;  // defined in json_schema.cc; shared by the validator

 private:
  explicit JsonSchema(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

  // Shared, so a JsonSchema copies cheaply; the document's addresses stay valid across copies.
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace jobstream
