// Partial batch responses, as Lambda reads them for stream sources when an event source mapping
// has FunctionResponseTypes ["ReportBatchItemFailures"]: the function returns
// {"batchItemFailures": [{"itemIdentifier": "<SequenceNumber>"}, ...]}, and every record from the
// lowest reported one on is retried (as Lambda checkpoints just before it); the records before
// it succeeded.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace jobstream::consumers {

struct BatchResponse {
  // Index (into the batch, in sequence order) of the first record to fail; the batch's size when
  // every record succeeded.
  std::size_t first_failed = 0;
  // Set when the answer could not be read, which fails the whole batch (first_failed is 0):
  // what was wrong with it.
  std::string unreadable;
};

// Reads `response` (the function's return value) for a batch whose records have these
// SequenceNumbers, in order. As Lambda: a null or empty response, or a null or empty
// batchItemFailures list, is complete success; an itemIdentifier that is missing, null, empty,
// not a string or not in the batch, or a response that is not an object, fails the whole batch.
BatchResponse ReadBatchResponse(const boost::json::value& response, const std::vector<std::string>& sequence_numbers);

}  // namespace jobstream::consumers
