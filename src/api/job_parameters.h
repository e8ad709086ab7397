// Validation of POST /jobs bodies: a JSON object of job parameters.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "api/request_model.h"
#include "common/result.h"

namespace jobstream::api {

// The deepest nesting a body may have (the body object itself is level 1). Parameters are small;
// deep nesting is an attack, not a job. Stored items nest the parameters one level deeper and
// stream images twice as deep again: store::kMaxItemDepth and the consumers' record parser allow
// for that.
inline constexpr std::size_t kMaxBodyDepth = 32;

// Parses and validates a body: an object of parameters (no reserved name, every number exact)
// that conforms to the request model (api/request_model.h; by default `seconds`, an integer from
// 1 to 31,536,000, is required). Errors are kInvalidArgument with the message the client sees.
Result<boost::json::object> ParseJobParameters(std::string_view body,
                                               const JsonSchema& model = ReferenceRequestModel());

// The most jobs one POST /jobs/batch may carry.
inline constexpr std::size_t kMaxBatchJobs = 1000;

// Parses {"jobs": [parameters, ...]}: 1 to kMaxBatchJobs objects, each valid as above. Errors
// name the offending entry ("jobs[3]: 'seconds' is required").
Result<std::vector<boost::json::object>> ParseJobBatch(std::string_view body,
                                                       const JsonSchema& model = ReferenceRequestModel());

}  // namespace jobstream::api
