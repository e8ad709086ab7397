#include "stream/stream_record.h"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "common/uuid.h"
#include "stream/dynamo_json.h"

namespace jobstream::stream {

std::string_view ToString(EventName name) {
  switch (name) {
    case EventName::kInsert:
      return "INSERT";
    case EventName::kModify:
      return "MODIFY";
    case EventName::kRemove:
      return "REMOVE";
  }
  return "INSERT";
}

std::string_view ToString(StreamViewType type) {
  switch (type) {
    case StreamViewType::kNewImage:
      return "NEW_IMAGE";
    case StreamViewType::kNewAndOldImages:
      return "NEW_AND_OLD_IMAGES";
    case StreamViewType::kKeysOnly:
      return "KEYS_ONLY";
  }
  return "NEW_IMAGE";
}

bool ParseStreamViewType(std::string_view text, StreamViewType& out) {
  for (auto type : {StreamViewType::kNewImage, StreamViewType::kNewAndOldImages, StreamViewType::kKeysOnly}) {
    if (text == ToString(type)) {
      out = type;
      return true;
    }
  }
  return false;
}

std::string FormatSequenceNumber(std::int64_t sequence) { return fmt::format("{:021}", sequence); }

int ShardOf(std::string_view job_id, int shard_count) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : job_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<std::uint64_t>(shard_count));
}

boost::json::object BuildRecord(const RecordInput& input) {
  boost::json::object dynamodb;
  // SequenceNumber comes first so that, serialised, it precedes any user data: EncodeRecord
  // finds it by position and the writer stamps the real number in place.
  dynamodb["SequenceNumber"] = FormatSequenceNumber(input.sequence);
  dynamodb["ApproximateCreationDateTime"] =
      std::chrono::duration_cast<std::chrono::seconds>(input.created_at.time_since_epoch()).count();
  boost::json::object keys;
  keys["id"] = boost::json::object{{"S", input.job_id}};
  dynamodb["Keys"] = std::move(keys);
  bool images = input.view_type != StreamViewType::kKeysOnly;
  if (images && input.new_item != nullptr) dynamodb["NewImage"] = ToAttributeMap(*input.new_item);
  if (images && input.old_item != nullptr &&
      (input.view_type == StreamViewType::kNewAndOldImages || input.event_name == EventName::kRemove)) {
    dynamodb["OldImage"] = ToAttributeMap(*input.old_item);
  }
  dynamodb["SizeBytes"] = input.size_bytes;
  dynamodb["StreamViewType"] = ToString(input.view_type);

  boost::json::object record;
  std::string event_id = NewUuid();
  std::erase(event_id, '-');
  record["eventID"] = event_id;
  record["eventName"] = ToString(input.event_name);
  record["eventVersion"] = "1.1";
  record["eventSource"] = "aws:dynamodb";
  record["awsRegion"] = input.region;
  record["dynamodb"] = std::move(dynamodb);
  record["eventSourceARN"] = fmt::format("arn:aws:dynamodb:{}:000000000000:table/jobs/stream/jobstream", input.region);
  return record;
}

EncodedRecord EncodeRecord(const RecordInput& input) {
  RecordInput placeholder = input;
  placeholder.sequence = 0;
  EncodedRecord encoded;
  encoded.json = boost::json::serialize(BuildRecord(placeholder));
  constexpr std::string_view kKey = R"("SequenceNumber":")";
  encoded.sequence_offset = encoded.json.find(kKey) + kKey.size();
  if (input.sequence != 0) StampSequenceNumber(encoded, input.sequence);
  return encoded;
}

void StampSequenceNumber(EncodedRecord& record, std::int64_t sequence) {
  std::string digits = FormatSequenceNumber(sequence);
  record.json.replace(record.sequence_offset, digits.size(), digits);
}

}  // namespace jobstream::stream
