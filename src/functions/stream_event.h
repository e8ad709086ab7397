// The event of one invocation. From a consumer: the records, each as the store keeps it
// (DynamoDB Streams record JSON text); functions that run out of process get Lambda's event,
// `{"Records": [...]}`, spliced together from these texts without parsing or re-serialising
// them; built-ins that read a record parse it. From the failure path: one whole event as Lambda
// gets it from SNS (`{"Records": [<notification>]}`) or EventBridge (the event itself), handed
// on as it is (WholeEvent).
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace jobstream::functions {

class StreamEvent {
 public:
  StreamEvent() = default;
  explicit StreamEvent(std::vector<std::string> records) : records_(std::move(records)) {}
  // One event, complete: LambdaPayload is `event` itself, and it is the one record.
  static StreamEvent WholeEvent(std::string event) {
    StreamEvent whole({std::move(event)});
    whole.whole_ = true;
    return whole;
  }
  bool whole() const { return whole_; }

  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const std::string& record_text(std::size_t index) const { return records_[index]; }

  // Record `index` parsed (with room for typed images of the deepest items the API accepts), or
  // null when it is not JSON.
  boost::json::value ParseRecord(std::size_t index) const;

  // Lambda's DynamoDB Streams event: {"Records":[<record 0>,<record 1>,...]}; a whole event as it is.
  std::string LambdaPayload() const;

 private:
  std::vector<std::string> records_;
  bool whole_ = false;
};

}  // namespace jobstream::functions
