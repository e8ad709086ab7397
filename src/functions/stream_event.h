// The records of one invocation, each as the store keeps it: DynamoDB Streams record JSON text.
//
// Functions that run out of process get Lambda's event, `{"Records": [...]}`, spliced together
// from these texts without parsing or re-serialising them; built-ins that read a record parse it.
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

  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const std::string& record_text(std::size_t index) const { return records_[index]; }

  // Record `index` parsed (with room for typed images of the deepest items the API accepts), or
  // null when it is not JSON.
  boost::json::value ParseRecord(std::size_t index) const;

  // Lambda's DynamoDB Streams event: {"Records":[<record 0>,<record 1>,...]}.
  std::string LambdaPayload() const;

 private:
  std::vector<std::string> records_;
};

}  // namespace jobstream::functions
