// DynamoDB attribute-value JSON ("typed JSON"): the shape DynamoDB Streams images use for an item,
// e.g. {"id": {"S": "a1"}, "parameters": {"M": {"seconds": {"N": "1"}}}}.
//
// Stream records and filter patterns are written against this shape, so the store's plain JSON
// items are converted here, in one place, before a record is built or filtered.
#pragma once

#include <boost/json.hpp>

#include "common/result.h"

namespace jobstream::stream {

// Deepest M/L nesting FromAttributeValue accepts. Typed JSON comes from records and stored items,
// which we do not fully trust, and the conversion recurses once per level.
inline constexpr int kMaxAttributeDepth = 64;

// Plain → typed. Total: every JSON value has a typed form.
//   object → {"M": {...}}   array → {"L": [...]}   string → {"S": "..."}
//   number → {"N": "<decimal text>"}: integers print without a fraction ("1"), doubles in their
//            shortest round-trip form ("0.1", "1e+300"); a non-finite double, which JSON text
//            cannot carry, becomes {"NULL": true}.
//   bool → {"BOOL": b}      null → {"NULL": true}
// Recursion follows the input's own nesting, which Boost.JSON already bounds when parsing.
boost::json::value ToAttributeValue(const boost::json::value& value);

// Types each top-level attribute of an item: {"seconds": 1} → {"seconds": {"N": "1"}}.
boost::json::object ToAttributeMap(const boost::json::object& item);

// The same conversions written straight to JSON text (what serialising the results of
// ToAttributeValue / ToAttributeMap gives), without building the typed tree: the hot path.
void AppendAttributeValue(std::string& out, const boost::json::value& value);
void AppendAttributeMap(std::string& out, const boost::json::object& item);

// Typed → plain, the inverse of ToAttributeValue. Also accepts the set types SS and NS (→ arrays).
// "N" text becomes an int64 (or uint64 above INT64_MAX) when it is an integer literal that fits,
// otherwise a double; so {"N": "2"} and {"N": "2.0"} give 2 and 2.0.
// Errors (Status::InvalidArgument, message naming the attribute path): not exactly one type key,
// unknown or unsupported type (binary B/BS), a payload of the wrong JSON kind, "N" text that is not
// a finite decimal number, NULL other than true, nesting deeper than kMaxAttributeDepth.
Result<boost::json::value> FromAttributeValue(const boost::json::value& attribute);

// Converts a whole typed item: {"seconds": {"N": "1"}} → {"seconds": 1}.
Result<boost::json::object> FromAttributeMap(const boost::json::object& attributes);

}  // namespace jobstream::stream
