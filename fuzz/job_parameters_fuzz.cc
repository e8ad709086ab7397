// POST /jobs and POST /jobs/batch body validation (api/job_parameters.h). Property: whatever is
// accepted is stored, so it must serialise (common/json_text, the store's encoder) to JSON that
// parses back to the same value; a body that cannot be written back would poison its job.
// Input: a request body.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/job_parameters.h"
#include "common/json_text.h"
#include "request_text.h"

namespace {

namespace json = boost::json;

void CheckStorable(const json::object& parameters) {
  std::string text;
  jobstream::AppendJsonValue(text, json::value(parameters));
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;  // what is checked here is the text, not the depth
  const json::value back = json::parse(text, ec, {}, options);
  if (ec || back != json::value(parameters)) {
    std::fprintf(stderr, "accepted parameters do not survive serialisation: %s\n", text.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = jobstream::fuzz::AsText(data, size);
  auto parameters = jobstream::api::ParseJobParameters(body);
  if (parameters.ok()) CheckStorable(*parameters);
  auto batch = jobstream::api::ParseJobBatch(body);
  if (batch.ok()) {
    for (const json::object& entry : *batch) CheckStorable(entry);
  }
  return 0;
}
