// Appending JSON text straight to a string, for the hot paths that write the same shapes over
// and over (job items, stream records): building a Boost.JSON tree only to serialise it costs an
// allocation per node and a copy of every nested value.
//
// The output is what boost::json::serialize writes for the same values (same escapes, same number
// forms), so both can be mixed and compared.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobstream {

// "text" with JSON escapes: \" \\ \b \f \n \r \t, \u00XX for other control characters; UTF-8
// passes through (the text was validated when it was parsed).
void AppendJsonString(std::string& out, std::string_view text);
// Any value, serialised by Boost.JSON into `out` without an intermediate string.
void AppendJsonValue(std::string& out, const boost::json::value& value);
void AppendJsonNumber(std::string& out, std::int64_t number);
// `value` in exactly `width` decimal digits, zero-padded (the fixed-width fields of timestamps and
// sequence numbers; cheaper than a format string on paths that run for every request).
void AppendFixedDigits(std::string& out, std::uint64_t value, int width);

}  // namespace jobstream
