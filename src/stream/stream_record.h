// Change-stream records, shaped like DynamoDB Streams records so handlers written for DynamoDB
// stream events read them unchanged.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/aws_account.h"
#include "common/clock.h"

namespace jobstream::stream {

enum class EventName { kInsert, kModify, kRemove };
std::string_view ToString(EventName name);

// Which images a record carries, as DynamoDB's StreamViewType.
enum class StreamViewType { kNewImage, kNewAndOldImages, kKeysOnly };
std::string_view ToString(StreamViewType type);
bool ParseStreamViewType(std::string_view text, StreamViewType& out);

// One committed change, as the store keeps it.
struct StreamRecord {
  int shard = 0;
  std::int64_t sequence = 0;  // grows strictly within a shard (and across the whole stream)
  std::string job_id;
  std::string event_name;  // INSERT | MODIFY | REMOVE, also inside json; lets consumers skip parsing
  SystemTime created_at;
  std::string json;  // the whole DynamoDB-Streams-shaped record
  // INSERT records as JobStore::ReadStream returns them: the job's item as committed when the
  // record was read (empty if the job is gone), so a consumer needs no second read per job.
  std::string job_item;
};

struct RecordInput {
  EventName event_name = EventName::kInsert;
  std::string job_id;
  const boost::json::object* new_image = nullptr;  // the item in typed JSON; null for REMOVE
  const boost::json::object* old_image = nullptr;  // null for INSERT
  std::int64_t sequence = 0;
  SystemTime created_at;
  StreamViewType view_type = StreamViewType::kNewImage;
  // The account, region and table whose stream this is (awsRegion, eventSourceARN); null: the
  // defaults of AwsAccount (tests).
  const AwsAccount* account = nullptr;
  std::size_t size_bytes = 0;  // DynamoDB's approximate SizeBytes: the caller passes the item's size
  // EncodeRecord only: the images as typed JSON text (store::Job::ToTypedItemJson), used instead
  // of serialising new_image / old_image. Empty: none.
  std::string_view new_image_json{};
  std::string_view old_image_json{};
};

// Builds the record: eventID, eventName, eventVersion, eventSource, awsRegion,
// dynamodb{ApproximateCreationDateTime, Keys, NewImage, OldImage, SequenceNumber, SizeBytes,
// StreamViewType}, eventSourceARN. Images are in DynamoDB's typed JSON.
boost::json::object BuildRecord(const RecordInput& input);

// A record serialised before its sequence number is known: the store's writer stamps the number
// in place (fixed width), so building the JSON happens on the caller's thread, not the writer's.
// Written directly as text, member for member what serialising BuildRecord gives.
struct EncodedRecord {
  std::string json;
  std::size_t sequence_offset = 0;  // where the 21 digits of SequenceNumber start
};
EncodedRecord EncodeRecord(const RecordInput& input);
void StampSequenceNumber(EncodedRecord& record, std::int64_t sequence);

// SequenceNumber text: zero-padded decimal, so string order equals numeric order like DynamoDB's.
std::string FormatSequenceNumber(std::int64_t sequence);
// A SequenceNumber as the Streams API's model allows it (21 to 40 decimal digits), within our
// int64 range; nullopt otherwise.
std::optional<std::int64_t> ParseSequenceNumber(std::string_view text);

// The shard of a job id: a stable hash (FNV-1a), so it never changes between releases.
int ShardOf(std::string_view job_id, int shard_count);

}  // namespace jobstream::stream
