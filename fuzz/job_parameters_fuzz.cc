// POST /jobs and POST /jobs/batch body validation (api/job_parameters.h). Property: whatever is
// accepted is stored, so the job item holding it (store/job.h: the typed text the store keeps and
// stream records carry) must read back, and GET's view of it must show the same parameters: a body
// that cannot be read back would poison its job.
// Input: a request body.
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/job_parameters.h"
#include "request_text.h"
#include "store/job.h"
#include "stream/dynamo_json.h"

namespace {

namespace json = boost::json;

// a == b, except that doubles may differ in their last bits: Boost.JSON 1.81 parses decimal
// numbers imprecisely (a 1-2 ulp error, and no precise option), so a double can drift slightly
// each time the item is written and read (recorded in docs/RELIABILITY.md).
// Numbers compare by value, not by kind: items keep numbers as DynamoDB does, as decimal text, so
// 1.0 comes back as 1 (DynamoDB itself answers "1" for a stored "1.0").
bool SameValue(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number() && (a.is_double() || b.is_double())) {
    boost::system::error_code ea;
    boost::system::error_code eb;
    const double x = a.to_number<double>(ea);
    const double y = b.to_number<double>(eb);
    return !ea && !eb && std::fabs(x - y) <= 1e-15 * std::fabs(x);
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, value] : x) {
      const json::value* other = y.if_contains(key);
      if (other == nullptr || !SameValue(value, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!SameValue(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

void CheckStorable(const json::object& parameters) {
  jobstream::store::Job job;
  job.id = "0190f4a2-0000-7000-8000-000000000000";
  job.attributes = jobstream::stream::ToAttributeMap(parameters);
  job.consumers["consumer_1"] = {};
  const std::string item = job.ToTypedItemJson();
  auto back = jobstream::store::Job::FromItemJson(item);
  if (!back.ok()) {
    std::fprintf(stderr, "accepted parameters do not read back from the stored item (%s): %s\n",
                 back.error().message().c_str(), item.c_str());
    std::abort();
  }
  // What GET shows is what was sent.
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 256;  // as the consumers read records
  json::value view = json::parse(back->ToViewJson(), ec, {}, options);
  const json::value* shown = ec ? nullptr : view.as_object().if_contains("parameters");
  if (shown == nullptr || !SameValue(*shown, json::value(parameters))) {
    std::fprintf(stderr, "accepted parameters are not what GET shows (%s): %s\n",
                 ec ? ec.message().c_str() : "different", item.c_str());
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
