#include "consumers/batch_item_failures.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/object.hpp>

namespace jobstream::consumers {

BatchResponse ReadBatchResponse(const boost::json::value& response, const std::vector<std::string>& sequence_numbers) {
  BatchResponse answer;
  answer.first_failed = sequence_numbers.size();
  auto unreadable = [&answer](std::string why) {
    answer.first_failed = 0;
    answer.unreadable = std::move(why);
    return answer;
  };
  if (response.is_null()) return answer;
  const boost::json::object* object = response.if_object();
  if (object == nullptr) return unreadable("the response is not a JSON object with batchItemFailures");
  const boost::json::value* failures = object->if_contains("batchItemFailures");
  if (failures == nullptr || failures->is_null()) return answer;
  const boost::json::array* list = failures->if_array();
  if (list == nullptr) return unreadable("batchItemFailures is not a list");
  for (const boost::json::value& failure : *list) {
    const boost::json::object* entry = failure.if_object();
    const boost::json::value* identifier = entry != nullptr ? entry->if_contains("itemIdentifier") : nullptr;
    if (identifier == nullptr || !identifier->is_string() || identifier->get_string().empty()) {
      return unreadable("a batchItemFailures entry has no itemIdentifier (a non-empty SequenceNumber string)");
    }
    std::string_view sequence_number = identifier->get_string();
    auto found = std::find(sequence_numbers.begin(), sequence_numbers.end(), sequence_number);
    if (found == sequence_numbers.end()) {
      return unreadable(fmt::format("itemIdentifier '{}' is not the SequenceNumber of a record in the batch",
                                    sequence_number.substr(0, 64)));
    }
    answer.first_failed = std::min(answer.first_failed, static_cast<std::size_t>(found - sequence_numbers.begin()));
  }
  return answer;
}

}  // namespace jobstream::consumers
