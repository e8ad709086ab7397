// Lambda's on-failure record for a stream event source: what an event source mapping sends to
// its on-failure destination when a batch fails for good. The record names the batch by shard
// and sequence numbers, not by content: the destination's handler reads the records back with
// the Streams API (GetShardIterator AT_SEQUENCE_NUMBER), as on AWS.
//
//   {"version": "1.0", "timestamp",
//    "requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
//    "responseContext": {"statusCode", "executedVersion", "functionError"},
//    "responsePayload": {"errorType", "errorMessage"},   <- jobstream's addition, see below
//    "DDBStreamBatchInfo": {"shardId", "startSequenceNumber", "endSequenceNumber",
//                           "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
//                           "batchSize", "streamArn"}}
//
// AWS's record for stream sources carries no error text; jobstream adds the function's error as
// `responsePayload` (the name Lambda's asynchronous invocation records use for it), so an error
// handler can show why a job failed. Handlers that do not know it ignore it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "common/aws_account.h"
#include "common/clock.h"

namespace jobstream::destinations {

// Why the mapping gave a batch up, as Lambda names it.
enum class FailureCondition {
  kRetryAttemptsExhausted,
  kRecordAgeExceeded,
};
std::string_view ToString(FailureCondition condition);

struct FailedBatch {
  std::string function_name;  // the consumer's function
  FailureCondition condition = FailureCondition::kRetryAttemptsExhausted;
  int invoke_count = 0;  // invocations of the batch (0 when it expired before the first)
  std::string error_type;
  std::string error_message;
  int shard = 0;
  std::int64_t first_sequence = 0;
  std::int64_t last_sequence = 0;
  SystemTime first_arrival;
  SystemTime last_arrival;
  int batch_size = 1;
};

boost::json::object OnFailureRecord(const FailedBatch& batch, const AwsAccount& account, SystemTime now,
                                    const std::string& request_id);

}  // namespace jobstream::destinations
