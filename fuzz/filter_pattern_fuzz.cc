// Lambda filter patterns (stream/filter_pattern.h): parsing arbitrary text, then matching what
// parses against stream records: a job's INSERT and MODIFY records, and the input itself read as
// a record (so a pattern meets values shaped like its own keys).
// Input: one pattern, JSON text.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "request_text.h"
#include "stream/filter_pattern.h"

namespace {

namespace json = boost::json;

const std::vector<json::value>& Records() {
  static const auto* const kRecords = [] {
    auto* records = new std::vector<json::value>();
    for (const char* event : {"INSERT", "MODIFY"}) {
      json::value record = json::parse(R"({
          "eventID": "00000000000000000001", "eventName": "INSERT", "eventSource": "aws:dynamodb",
          "dynamodb": {
            "Keys": {"id": {"S": "job-1"}},
            "NewImage": {"id": {"S": "job-1"}, "seconds": {"N": "1.5e3"},
                         "status": {"S": "Pending"}, "urgent": {"BOOL": true}, "none": {"NULL": true},
                         "tags": {"L": [{"S": "batch"}, {"S": "nightly"}, {"N": "-7"}]}},
            "SequenceNumber": "00000000000000000001", "StreamViewType": "NEW_IMAGE"}})");
      record.at("eventName") = event;
      records->push_back(std::move(record));
    }
    return records;
  }();
  return *kRecords;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jobstream;  // NOLINT(google-build-using-namespace): a fuzz target's own file
  const std::string_view text = fuzz::AsText(data, size);
  auto pattern = stream::FilterPattern::Parse(text);
  if (!pattern.ok()) return 0;
  for (const json::value& record : Records()) (void)pattern->Matches(record);
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 256;
  const json::value self = json::parse(text, ec, {}, options);
  if (!ec) (void)pattern->Matches(self);
  // The same pattern twice, as FilterCriteria.Filters.
  auto criteria = stream::FilterCriteria::Parse({std::string(text), std::string(text)});
  if (criteria.ok()) (void)criteria->Matches(Records().front());
  return 0;
}
