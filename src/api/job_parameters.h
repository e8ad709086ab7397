// Validation of POST /jobs bodies: a JSON object of job parameters.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace jobstream::api {

// The largest accepted `seconds`: one year. Larger values are surely mistakes; anything above
// the consumers' function timeout is accepted here and fails in the function, as it does on AWS.
inline constexpr std::int64_t kMaxSeconds = std::int64_t{365} * 24 * 3600;

// The deepest nesting a body may have (the object itself is level 1): one level less than the
// store reads job items back with, since the item holds the parameters one level deeper.
inline constexpr int kMaxBodyDepth = 31;

// Parses and validates a body: an object whose `seconds` is an integer in [1, kMaxSeconds].
// Errors are kInvalidArgument with the message the client sees.
Result<boost::json::object> ParseJobParameters(std::string_view body);

// The most jobs one POST /jobs/batch may carry.
inline constexpr std::size_t kMaxBatchJobs = 1000;

// Parses {"jobs": [parameters, ...]}: 1 to kMaxBatchJobs objects, each valid as above. Errors
// name the offending entry ("jobs[3]: 'seconds' is required").
Result<std::vector<boost::json::object>> ParseJobBatch(std::string_view body);

}  // namespace jobstream::api
