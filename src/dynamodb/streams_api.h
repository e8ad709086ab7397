// The DynamoDB Streams API over the jobs table's stream (X-Amz-Target
// DynamoDBStreams_20120810.<Operation>, shapes as botocore's dynamodbstreams model):
//
//   ListStreams       the data directory's one stream (TableName filter, Limit, ExclusiveStartStreamArn)
//   DescribeStream    ENABLED, the store's StreamViewType, KeySchema [id HASH], one open shard per
//                     store shard (shard_id.h) with its StartingSequenceNumber
//   GetShardIterator  TRIM_HORIZON | LATEST | AT_SEQUENCE_NUMBER | AFTER_SEQUENCE_NUMBER
//                     (shard_iterator.h: opaque, signed, 15 minutes)
//   GetRecords        up to Limit (1–1000) durable records of the shard, as the store keeps them
//                     minus eventSourceARN (Lambda's events carry it, the Streams API's Record
//                     does not), and NextShardIterator (always: the shards never close)
//
// Reads run on the calling (HTTP I/O) thread from the store's read pool, as GET /jobs/{id} does:
// an indexed range read of at most 1,000 records, never waiting for the writer.
#pragma once

#include "dynamodb/json_protocol.h"
#include "dynamodb/shard_iterator.h"
#include "store/job_store.h"
#include "stream/stream_record.h"

namespace jobstream::dynamodb {

inline constexpr std::string_view kStreamsTargetPrefix = "DynamoDBStreams_20120810";

// Thread-safe; the store and iterators must outlive it.
class StreamsApi {
 public:
  StreamsApi(store::JobStore& store, const ShardIterators& iterators, stream::StreamViewType view_type)
      : store_(store), iterators_(iterators), view_type_(view_type) {}

  // The four operations, bound to this object, for JsonProtocol::Register(kStreamsTargetPrefix, …).
  OperationTable Operations() const;

  OperationResult ListStreams(const boost::json::object& input) const;
  OperationResult DescribeStream(const boost::json::object& input) const;
  OperationResult GetShardIterator(const boost::json::object& input, std::chrono::system_clock::time_point now) const;
  OperationResult GetRecords(const boost::json::object& input, std::chrono::system_clock::time_point now) const;

 private:
  // Constant after construction.
  store::JobStore& store_;
  const ShardIterators& iterators_;
  const stream::StreamViewType view_type_;
};

// The stream label ("2026-12-07T03:45:12.123", UTC) as epoch seconds: the stream's
// CreationRequestDateTime and the table's CreationDateTime.
double StreamLabelEpochSeconds(std::string_view label);

// A record as GetRecords returns it: the stored text without its trailing eventSourceARN member.
std::string StreamsApiRecord(std::string_view stored, std::string_view stream_arn);

}  // namespace jobstream::dynamodb
