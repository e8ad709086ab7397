#include "api/job_parameters.h"

#include <fmt/format.h>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <optional>
#include <string>

namespace jobstream::api {

namespace {

Result<boost::json::value> ParseBody(std::string_view body) {
  boost::json::parse_options options;
  // Parameters are small; deep nesting is an attack, not a job. The stored job item holds them
  // one level deeper ({"parameters": ...}) and is read back with Boost.JSON's default limit of
  // 32 levels, so a body may nest one level less, or its job could never be read again.
  options.max_depth = kMaxBodyDepth;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec, {}, options);
  if (ec == boost::json::error::too_deep) {
    return Status::InvalidArgument(fmt::format("Request body is nested more than {} levels deep", options.max_depth));
  }
  if (ec) return Status::InvalidArgument("Request body is not valid JSON");
  return parsed;
}

// The path of the first number in value that overflowed a double when parsed (1e999 reads as
// infinity, which JSON cannot write back), as "a.b[2]"; nullopt when there is none.
std::optional<std::string> FirstNonFiniteNumber(const boost::json::value& value, const std::string& path) {
  if (value.is_double()) return std::isfinite(value.get_double()) ? std::nullopt : std::optional(path);
  if (value.is_object()) {
    for (const auto& [key, member] : value.get_object()) {
      auto found = FirstNonFiniteNumber(member, path.empty() ? std::string(key) : path + "." + std::string(key));
      if (found) return found;
    }
  } else if (value.is_array()) {
    const boost::json::array& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      auto found = FirstNonFiniteNumber(array[i], fmt::format("{}[{}]", path, i));
      if (found) return found;
    }
  }
  return std::nullopt;
}

Result<boost::json::object> ValidateParameters(boost::json::value& parsed) {
  if (!parsed.is_object()) return Status::InvalidArgument("Request body must be a JSON object of job parameters");
  boost::json::object& parameters = parsed.as_object();
  const boost::json::value* seconds = parameters.if_contains("seconds");
  if (seconds == nullptr) return Status::InvalidArgument("'seconds' is required");
  bool valid = (seconds->is_int64() && seconds->as_int64() >= 1 && seconds->as_int64() <= kMaxSeconds) ||
               (seconds->is_uint64() && seconds->as_uint64() <= static_cast<std::uint64_t>(kMaxSeconds));
  if (!valid) {
    return Status::InvalidArgument(fmt::format("'seconds' must be an integer between 1 and {}", kMaxSeconds));
  }
  // Refused at the door: stored, it would be written as Infinity, which no JSON reader takes back.
  if (auto path = FirstNonFiniteNumber(parsed, "")) {
    return Status::InvalidArgument(fmt::format("'{}' is a number beyond the range of a double", *path));
  }
  // cppcheck-suppress returnStdMoveLocal ; `parameters` refers into the caller's value, so without the move it is
  // copied
  return std::move(parameters);
}

}  // namespace

Result<boost::json::object> ParseJobParameters(std::string_view body) {
  auto parsed = ParseBody(body);
  if (!parsed.ok()) return parsed.error();
  return ValidateParameters(*parsed);
}

Result<std::vector<boost::json::object>> ParseJobBatch(std::string_view body) {
  auto parsed = ParseBody(body);
  if (!parsed.ok()) return parsed.error();
  const auto* jobs = parsed->is_object() ? parsed->as_object().if_contains("jobs") : nullptr;
  if (jobs == nullptr || !jobs->is_array()) {
    return Status::InvalidArgument(R"(Request body must be {"jobs": [job parameters, ...]})");
  }
  const boost::json::array& entries = jobs->as_array();
  if (entries.empty() || entries.size() > kMaxBatchJobs) {
    return Status::InvalidArgument(fmt::format("'jobs' must hold between 1 and {} jobs", kMaxBatchJobs));
  }
  std::vector<boost::json::object> batch;
  batch.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    boost::json::value entry = entries[i];
    auto parameters = ValidateParameters(entry);
    if (!parameters.ok()) {
      return Status::InvalidArgument(fmt::format("jobs[{}]: {}", i, parameters.error().message()));
    }
    batch.push_back(std::move(parameters).value());
  }
  return batch;
}

}  // namespace jobstream::api
