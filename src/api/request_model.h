// The jobs API's request model: which parameters POST /jobs (and each entry of POST /jobs/batch)
// accepts, as a JSON Schema draft 4 like an API Gateway model. By default the reference
// deployment's (`seconds`, an integer from 1 to 31,536,000, required; config/request-model.json);
// `[api] request_model` names a file to use instead. Items written through the DynamoDB API are
// not checked against it, as on AWS.
#pragma once

#include <boost/json/value.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_schema.h"
#include "common/result.h"

namespace jobstream::api {

// The reference deployment's model, as config/request-model.json ships it.
inline constexpr std::string_view kReferenceRequestModel = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "JobParameters",
  "type": "object",
  "required": ["seconds"],
  "properties": {
    "seconds": {"type": "integer", "minimum": 1, "maximum": 31536000}
  }
})";

// The largest file `[api] request_model` may name: models are small, a huge file is a mistake.
inline constexpr std::uintmax_t kMaxRequestModelBytes = std::uintmax_t{1} << 20;

// kReferenceRequestModel, compiled once.
const JsonSchema& ReferenceRequestModel();

// Reads, parses and checks a model file. Errors are kInvalidArgument naming the file and the place
// in it ("request model m.json: #/properties/seconds/minimum must be a number").
Result<JsonSchema> LoadRequestModel(const std::filesystem::path& file);

// The message a client sees when `parameters` break the model ("'seconds' is required",
// "'tags[2]' must be a string", "Job parameters must have at most 3 properties"), or nullopt.
std::optional<std::string> RequestModelViolation(const JsonSchema& model, const boost::json::value& parameters);

}  // namespace jobstream::api
