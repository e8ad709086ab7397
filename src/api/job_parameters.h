// Validation of POST /jobs bodies: a JSON object of job parameters.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/result.h"

namespace jobstream::api {

// The largest accepted `seconds`: one year. Larger values are surely mistakes; anything above
// the consumers' function timeout is accepted here and fails in the function, as it does on AWS.
inline constexpr std::int64_t kMaxSeconds = 365 * 24 * 3600;

// Parses and validates a body: an object whose `seconds` is an integer in [1, kMaxSeconds].
// Errors are kInvalidArgument with the message the client sees.
Result<boost::json::object> ParseJobParameters(std::string_view body);

}  // namespace jobstream::api
