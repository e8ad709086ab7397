#include "api/job_parameters.h"

#include "api/exact_json_parser.h"
#include "store/job.h"

#include <fmt/format.h>

namespace jobstream::api {

namespace {

Result<boost::json::value> ParseBody(std::string_view body) { return ParseExactJson(body, kMaxBodyDepth); }

Result<boost::json::object> ValidateParameters(boost::json::value& parsed, const JsonSchema& model) {
  if (!parsed.is_object()) return Status::InvalidArgument("Request body must be a JSON object of job parameters");
  boost::json::object& parameters = parsed.as_object();
  // The job's parameters are the item's own attributes, beside those jobstream keeps on it.
  for (const auto& [name, value] : parameters) {
    if (store::IsReservedAttribute(name)) {
      return Status::InvalidArgument(
          fmt::format("Parameter '{}' is reserved: jobstream keeps id, job_status, version, created_at and updated_at "
                      "on every job",
                      std::string_view(name)));
    }
  }
  if (auto violation = RequestModelViolation(model, parsed)) return Status::InvalidArgument(std::move(*violation));
  // cppcheck-suppress returnStdMoveLocal ; `parameters` refers into the caller's value, so without the move it is
  // copied
  return std::move(parameters);
}

}  // namespace

Result<boost::json::object> ParseJobParameters(std::string_view body, const JsonSchema& model) {
  auto parsed = ParseBody(body);
  if (!parsed.ok()) return parsed.error();
  return ValidateParameters(*parsed, model);
}

Result<std::vector<boost::json::object>> ParseJobBatch(std::string_view body, const JsonSchema& model) {
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
    auto parameters = ValidateParameters(entry, model);
    if (!parameters.ok()) {
      return Status::InvalidArgument(fmt::format("jobs[{}]: {}", i, parameters.error().message()));
    }
    batch.push_back(std::move(parameters).value());
  }
  return batch;
}

}  // namespace jobstream::api
