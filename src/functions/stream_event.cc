#include "functions/stream_event.h"

#include <boost/json/parse.hpp>

#include "store/job.h"

namespace jobstream::functions {

boost::json::value StreamEvent::ParseRecord(std::size_t index) const {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 2 * store::kMaxItemDepth + 8;  // typed images nest twice as deep as their items
  boost::json::value record = boost::json::parse(records_[index], ec, {}, options);
  if (ec) return nullptr;
  return record;
}

std::string StreamEvent::LambdaPayload() const {
  if (whole_) return records_.front();
  constexpr std::string_view kOpen = R"({"Records":[)";
  constexpr std::string_view kClose = "]}";
  std::size_t size = kOpen.size() + kClose.size() + records_.size();
  for (const std::string& record : records_) size += record.size();
  std::string payload;
  payload.reserve(size);
  payload.append(kOpen);
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (i != 0) payload.push_back(',');
    payload.append(records_[i]);
  }
  payload.append(kClose);
  return payload;
}

}  // namespace jobstream::functions
