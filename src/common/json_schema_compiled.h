// What JsonSchema::Compile leaves for the validator (json_schema.cc writes it,
// json_schema_validator.cc reads it), and the value helpers both share. Private to src/common.
#pragma once

#include <boost/json/value.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/json_schema.h"

namespace jobstream {

struct JsonSchema::Compiled {
  boost::json::value document;
  // Each `pattern` string value, and each `patternProperties` member's schema value, to its
  // regular expression (wrapped so one anchored run answers "is there a match anywhere").
  std::unordered_map<const boost::json::value*, std::wregex> patterns;
  // Each `$ref` string value to the schema it points to, inside `document`.
  std::unordered_map<const boost::json::value*, const boost::json::value*> refs;
};

namespace json_schema {

// A value's text for equality (enum, uniqueItems): object members sorted, numbers by value, so
// two values are equal in JSON Schema's sense exactly when their canonical texts are.
std::string CanonicalText(const boost::json::value& value);

// The code points of valid UTF-8 text (Boost.JSON validated it when parsing).
std::wstring CodePoints(std::string_view utf8);

// Code points in valid UTF-8 text, without decoding it.
std::size_t CodePointCount(std::string_view utf8);

// A number's value, exactly for every int64, uint64 and double (x86-64's long double has a
// 64-bit significand).
long double NumberOf(const boost::json::value& number);

// A schema's number for a message: "31536000", "1.5", "1e+30".
std::string FormatNumber(const boost::json::value& number);

// Matches `text` against a compiled pattern (anywhere in the text, as ECMA 262's search).
bool PatternMatches(const std::wregex& pattern, std::string_view text);

}  // namespace json_schema
}  // namespace jobstream
