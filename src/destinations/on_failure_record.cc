#include "destinations/on_failure_record.h"

#include "dynamodb/shard_id.h"
#include "stream/stream_record.h"

namespace jobstream::destinations {

std::string_view ToString(FailureCondition condition) {
  switch (condition) {
    case FailureCondition::kRetryAttemptsExhausted:
      return "RetryAttemptsExhausted";
    case FailureCondition::kRecordAgeExceeded:
      return "RecordAgeExceeded";
  }
  return "RetryAttemptsExhausted";
}

boost::json::object OnFailureRecord(const FailedBatch& batch, const AwsAccount& account, SystemTime now,
                                    const std::string& request_id) {
  // A batch that expired before its first invocation has no response: Lambda leaves the
  // response context's error empty then.
  bool invoked = batch.invoke_count > 0;
  return boost::json::object{
      {"version", "1.0"},
      {"timestamp", FormatIso8601(now)},
      {"requestContext",
       {{"requestId", request_id},
        {"functionArn", account.FunctionArn(batch.function_name)},
        {"condition", ToString(batch.condition)},
        {"approximateInvokeCount", batch.invoke_count}}},
      {"responseContext",
       {{"statusCode", invoked ? 200 : 0},
        {"executedVersion", invoked ? "$LATEST" : ""},
        {"functionError", invoked ? "Unhandled" : ""}}},
      {"responsePayload", {{"errorType", batch.error_type}, {"errorMessage", batch.error_message}}},
      {"DDBStreamBatchInfo",
       {{"shardId", dynamodb::ShardIdOf(account, batch.shard)},
        {"startSequenceNumber", stream::FormatSequenceNumber(batch.first_sequence)},
        {"endSequenceNumber", stream::FormatSequenceNumber(batch.last_sequence)},
        {"approximateArrivalOfFirstRecord", FormatIso8601(batch.first_arrival)},
        {"approximateArrivalOfLastRecord", FormatIso8601(batch.last_arrival)},
        {"batchSize", batch.batch_size},
        {"streamArn", account.StreamArn()}}},
  };
}

}  // namespace jobstream::destinations
