#include "api/request_model.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace jobstream::api {

const JsonSchema& ReferenceRequestModel() {
  static const JsonSchema kModel = [] {
    auto compiled = JsonSchema::Compile(boost::json::parse(kReferenceRequestModel));
    if (!compiled.ok()) std::abort();  // a built-in constant: covered by the tests
    return std::move(compiled).value();
  }();
  return kModel;
}

Result<JsonSchema> LoadRequestModel(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    return Status::InvalidArgument(fmt::format("request model {} is not a readable file", name));
  }
  if (std::filesystem::file_size(file, error) > kMaxRequestModelBytes) {
    return Status::InvalidArgument(
        fmt::format("request model {} is larger than {} bytes", name, kMaxRequestModelBytes));
  }
  std::ifstream in(file);
  if (!in) {
    return Status::InvalidArgument(
        fmt::format("cannot read request model {}: {}", name, std::generic_category().message(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code parse_error;
  boost::json::value schema = boost::json::parse(text.str(), parse_error);
  if (parse_error) {
    return Status::InvalidArgument(fmt::format("request model {} is not valid JSON: {}", name, parse_error.message()));
  }
  auto compiled = JsonSchema::Compile(std::move(schema));
  if (!compiled.ok())
    return Status::InvalidArgument(fmt::format("request model {}: {}", name, compiled.error().message()));
  return compiled;
}

std::optional<std::string> RequestModelViolation(const JsonSchema& model, const boost::json::value& parameters) {
  auto violation = model.Validate(parameters);
  if (!violation) return std::nullopt;
  if (violation->path.empty()) return "Job parameters " + violation->requirement;
  return fmt::format("'{}' {}", violation->path, violation->requirement);
}

}  // namespace jobstream::api
