// Parses request bodies into Boost.JSON values, refusing numbers that could not be kept exactly.
//
// boost::json::parse turns 1e999 into infinity (which no JSON text can carry back out: GET then
// answered invalid JSON and consumers could never read the job) and 12345678901234567890123 into
// a double that has lost digits. A job system must give back what it was given, or refuse it at
// the door: this parser takes every number from its decimal text with a correctly rounded
// conversion and accepts it only if the shortest text of the result has the same digits.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "common/result.h"

namespace jobstream::api {

// Most significant digits echoed back when a number is refused (the text can be 256 KiB long).
inline constexpr std::size_t kMaxEchoedNumberChars = 40;

// The body as a JSON value, with at most `max_depth` levels of nesting. Errors are
// kInvalidArgument with the message the client sees: "Request body is not valid JSON", "Request
// body is nested more than N levels deep", or "Parameter 'a.b[2]' is a number jobstream cannot
// store exactly: …" naming the offending field.
Result<boost::json::value> ParseExactJson(std::string_view body, std::size_t max_depth);

// True when `text` (a JSON number) survives the round trip through a double unchanged in value:
// finite, not flushed to zero, and no digit lost. Exposed for the tests.
bool NumberIsExact(std::string_view text);

}  // namespace jobstream::api
