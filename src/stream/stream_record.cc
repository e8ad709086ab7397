#include "stream/stream_record.h"

#include <charconv>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "common/json_text.h"
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

std::string FormatSequenceNumber(std::int64_t sequence) {
  std::string text;
  AppendFixedDigits(text, static_cast<std::uint64_t>(sequence), 21);
  return text;
}

std::optional<std::int64_t> ParseSequenceNumber(std::string_view text) {
  if (text.size() < 21 || text.size() > 40) return std::nullopt;
  std::size_t first = text.find_first_not_of('0');
  if (text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  if (first == std::string_view::npos) return 0;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data() + first, text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

int ShardOf(std::string_view job_id, int shard_count) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : job_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<std::uint64_t>(shard_count));
}

namespace {

const AwsAccount& AccountOf(const RecordInput& input) {
  static const AwsAccount kDefault;
  return input.account != nullptr ? *input.account : kDefault;
}

void AppendImage(std::string& out, std::string_view name, std::string_view typed_json,
                 const boost::json::object* typed) {
  if (typed_json.empty() && typed == nullptr) return;
  out.append(",\"");
  out.append(name);
  out.append("\":");
  if (!typed_json.empty()) {
    out.append(typed_json);
  } else {
    AppendJsonValue(out, *typed);
  }
}

}  // namespace

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
  if (images && input.new_image != nullptr) dynamodb["NewImage"] = *input.new_image;
  if (images && input.old_image != nullptr &&
      (input.view_type == StreamViewType::kNewAndOldImages || input.event_name == EventName::kRemove)) {
    dynamodb["OldImage"] = *input.old_image;
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
  record["awsRegion"] = AccountOf(input).region;
  record["dynamodb"] = std::move(dynamodb);
  record["eventSourceARN"] = AccountOf(input).StreamArn();
  return record;
}

EncodedRecord EncodeRecord(const RecordInput& input) {
  EncodedRecord encoded;
  std::string& out = encoded.json;
  out.reserve(384 + input.new_image_json.size() + input.old_image_json.size());
  std::string event_id = NewUuid();
  std::erase(event_id, '-');
  out.append(R"({"eventID":")");
  out.append(event_id);
  out.append(R"(","eventName":")");
  out.append(ToString(input.event_name));
  out.append(R"(","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":)");
  AppendJsonString(out, AccountOf(input).region);
  // SequenceNumber comes first so that it precedes any user data (see BuildRecord).
  out.append(R"(,"dynamodb":{"SequenceNumber":")");
  encoded.sequence_offset = out.size();
  out.append(FormatSequenceNumber(input.sequence));
  out.append(R"(","ApproximateCreationDateTime":)");
  AppendJsonNumber(out, std::chrono::duration_cast<std::chrono::seconds>(input.created_at.time_since_epoch()).count());
  out.append(R"(,"Keys":{"id":{"S":)");
  AppendJsonString(out, input.job_id);
  out.append("}}");
  if (input.view_type != StreamViewType::kKeysOnly) {
    AppendImage(out, "NewImage", input.new_image_json, input.new_image);
    if (input.view_type == StreamViewType::kNewAndOldImages || input.event_name == EventName::kRemove) {
      AppendImage(out, "OldImage", input.old_image_json, input.old_image);
    }
  }
  out.append(R"(,"SizeBytes":)");
  AppendJsonNumber(out, static_cast<std::int64_t>(input.size_bytes));
  out.append(R"(,"StreamViewType":")");
  out.append(ToString(input.view_type));
  out.append(R"("},"eventSourceARN":)");
  AppendJsonString(out, AccountOf(input).StreamArn());
  out.push_back('}');
  return encoded;
}

void StampSequenceNumber(EncodedRecord& record, std::int64_t sequence) {
  std::string digits = FormatSequenceNumber(sequence);
  record.json.replace(record.sequence_offset, digits.size(), digits);
}

}  // namespace jobstream::stream
