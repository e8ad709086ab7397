#include "dynamodb/streams_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <ctime>

#include "common/json_text.h"
#include "dynamodb/shard_id.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

constexpr std::int64_t kMaxListLimit = 100;      // ListStreams, DescribeStream
constexpr std::int64_t kMaxRecordsLimit = 1000;  // GetRecords

ApiError StreamNotFound(std::string_view arn) {
  return ResourceNotFoundException("Requested resource not found: Stream: " + std::string(arn) + " not found");
}

ApiError StoreFailure() { return InternalServerError(); }

// Limit as the API validates it: 1 to max (DynamoDB's constraint messages), default max.
Result<std::int64_t, ApiError> LimitOf(const json::object& input, std::int64_t max) {
  auto limit = OptionalInteger(input, "Limit");
  if (!limit.ok()) return MakeUnexpected(limit.error());
  if (!limit->has_value()) return max;
  const std::int64_t value = **limit;
  if (value < 1) {
    return MakeUnexpected(ValidationException("1 validation error detected: Value '" + std::to_string(value) +
                                              "' at 'limit' failed to satisfy constraint: Member must have value "
                                              "greater than or equal to 1"));
  }
  if (value > max) {
    return MakeUnexpected(ValidationException("1 validation error detected: Value '" + std::to_string(value) +
                                              "' at 'limit' failed to satisfy constraint: Member must have value "
                                              "less than or equal to " +
                                              std::to_string(max)));
  }
  return value;
}

json::object ShardDescription(const AwsAccount& account, int shard, const store::ShardBounds& bounds) {
  // An empty shard starts after its trim mark: the next record it gets has a higher number.
  std::int64_t starting = bounds.first > 0 ? bounds.first : bounds.trimmed_through + 1;
  return json::object{
      {"ShardId", ShardIdOf(account, shard)},
      {"SequenceNumberRange", json::object{{"StartingSequenceNumber", stream::FormatSequenceNumber(starting)}}}};
}

}  // namespace

// The stream label ("2026-12-07T03:45:12.123", UTC) as epoch seconds: CreationRequestDateTime.
double StreamLabelEpochSeconds(std::string_view label) {
  auto field = [&label](std::size_t at, std::size_t width) {
    int value = 0;
    if (at + width <= label.size()) std::from_chars(label.data() + at, label.data() + at + width, value);
    return value;
  };
  std::tm utc{};
  utc.tm_year = field(0, 4) - 1900;
  utc.tm_mon = field(5, 2) - 1;
  utc.tm_mday = field(8, 2);
  utc.tm_hour = field(11, 2);
  utc.tm_min = field(14, 2);
  utc.tm_sec = field(17, 2);
  return static_cast<double>(timegm(&utc)) + field(20, 3) / 1000.0;
}

std::string StreamsApiRecord(std::string_view stored, std::string_view stream_arn) {
  // The store writes eventSourceARN last (stream::EncodeRecord): cut it off the text instead of
  // parsing and serialising every record.
  std::string suffix = R"(,"eventSourceARN":)";
  AppendJsonString(suffix, stream_arn);
  suffix.push_back('}');
  if (stored.ends_with(suffix)) {
    std::string record(stored.substr(0, stored.size() - suffix.size()));
    record.push_back('}');
    return record;
  }
  // Records written by another encoder (none today): remove the member wherever it is.
  boost::system::error_code ec;
  json::value parsed = json::parse(stored, ec);
  if (ec || !parsed.is_object()) return std::string(stored);
  parsed.get_object().erase("eventSourceARN");
  return json::serialize(parsed);
}

OperationTable StreamsApi::Operations() const {
  OperationTable table;
  table["ListStreams"] =
      Synchronous([this](const json::object& input, const OperationContext&) { return ListStreams(input); });
  table["DescribeStream"] =
      Synchronous([this](const json::object& input, const OperationContext&) { return DescribeStream(input); });
  table["GetShardIterator"] = Synchronous([this](const json::object& input, const OperationContext& context) {
    return GetShardIterator(input, context.now);
  });
  table["GetRecords"] = Synchronous(
      [this](const json::object& input, const OperationContext& context) { return GetRecords(input, context.now); });
  return table;
}

OperationResult StreamsApi::ListStreams(const json::object& input) const {
  auto table_name = OptionalString(input, "TableName");
  if (!table_name.ok()) return MakeUnexpected(table_name.error());
  auto start = OptionalString(input, "ExclusiveStartStreamArn");
  if (!start.ok()) return MakeUnexpected(start.error());
  auto limit = LimitOf(input, kMaxListLimit);
  if (!limit.ok()) return MakeUnexpected(limit.error());

  const AwsAccount& account = store_.account();
  const std::string arn = account.StreamArn();
  json::array streams;
  // One stream per data directory; the ExclusiveStartStreamArn of a later page is past it.
  const bool listed =
      (!table_name->has_value() || **table_name == account.table_name) && (!start->has_value() || **start < arn);
  if (listed) {
    streams.emplace_back(
        json::object{{"StreamArn", arn}, {"TableName", account.table_name}, {"StreamLabel", account.stream_label}});
  }
  return json::serialize(json::object{{"Streams", std::move(streams)}});
}

OperationResult StreamsApi::DescribeStream(const json::object& input) const {
  auto arn = RequiredString(input, "StreamArn");
  if (!arn.ok()) return MakeUnexpected(arn.error());
  auto limit = LimitOf(input, kMaxListLimit);
  if (!limit.ok()) return MakeUnexpected(limit.error());
  auto start = OptionalString(input, "ExclusiveStartShardId");
  if (!start.ok()) return MakeUnexpected(start.error());
  const AwsAccount& account = store_.account();
  if (*arn != account.StreamArn()) return MakeUnexpected(StreamNotFound(*arn));

  int first_shard = 0;
  if (start->has_value()) {
    auto index = ShardIndexOf(account, **start, store_.shard_count());
    // An id that is not ours starts past every shard, as DynamoDB lists nothing after an unknown one.
    first_shard = index ? *index + 1 : store_.shard_count();
  }
  json::array shards;
  int shard = first_shard;
  for (; shard < store_.shard_count() && static_cast<std::int64_t>(shards.size()) < *limit; ++shard) {
    auto bounds = store_.ReadShardBounds(shard);
    if (!bounds.ok()) return MakeUnexpected(StoreFailure());
    shards.emplace_back(ShardDescription(account, shard, *bounds));
  }
  json::object description{{"StreamArn", account.StreamArn()},
                           {"StreamLabel", account.stream_label},
                           {"StreamStatus", "ENABLED"},
                           {"StreamViewType", stream::ToString(view_type_)},
                           {"CreationRequestDateTime", StreamLabelEpochSeconds(account.stream_label)},
                           {"TableName", account.table_name},
                           {"KeySchema", json::array{json::object{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
                           {"Shards", std::move(shards)}};
  if (shard < store_.shard_count()) description["LastEvaluatedShardId"] = ShardIdOf(account, shard - 1);
  return json::serialize(json::object{{"StreamDescription", std::move(description)}});
}

OperationResult StreamsApi::GetShardIterator(const json::object& input,
                                             std::chrono::system_clock::time_point now) const {
  auto arn = RequiredString(input, "StreamArn");
  if (!arn.ok()) return MakeUnexpected(arn.error());
  auto shard_id = RequiredString(input, "ShardId");
  if (!shard_id.ok()) return MakeUnexpected(shard_id.error());
  auto type = RequiredString(input, "ShardIteratorType");
  if (!type.ok()) return MakeUnexpected(type.error());
  auto sequence_text = OptionalString(input, "SequenceNumber");
  if (!sequence_text.ok()) return MakeUnexpected(sequence_text.error());

  const bool at = *type == "AT_SEQUENCE_NUMBER";
  const bool after = *type == "AFTER_SEQUENCE_NUMBER";
  if (!at && !after && *type != "TRIM_HORIZON" && *type != "LATEST") {
    return MakeUnexpected(ValidationException(
        "1 validation error detected: Value '" + std::string(*type) +
        "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
        "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"));
  }
  const AwsAccount& account = store_.account();
  if (*arn != account.StreamArn()) return MakeUnexpected(StreamNotFound(*arn));
  auto shard = ShardIndexOf(account, *shard_id, store_.shard_count());
  if (!shard) {
    return MakeUnexpected(ResourceNotFoundException("Requested resource not found: Shard: " + std::string(*shard_id) +
                                                    " in Stream: " + std::string(*arn) + " not found"));
  }
  auto bounds = store_.ReadShardBounds(*shard);
  if (!bounds.ok()) return MakeUnexpected(StoreFailure());

  IteratorPosition position{*shard, 0, now};
  if (*type == "TRIM_HORIZON") {
    position.after_sequence = bounds->trimmed_through;
  } else if (*type == "LATEST") {
    position.after_sequence = std::max(bounds->last, bounds->trimmed_through);
  } else {
    if (!sequence_text->has_value()) {
      return MakeUnexpected(
          ValidationException("SequenceNumber is required for ShardIteratorType " + std::string(*type)));
    }
    auto sequence = stream::ParseSequenceNumber(**sequence_text);
    if (!sequence) {
      return MakeUnexpected(ValidationException("Invalid SequenceNumber: " + std::string(**sequence_text)));
    }
    if (*sequence <= bounds->trimmed_through) {
      return MakeUnexpected(TrimmedDataAccessException("The SequenceNumber " + std::string(**sequence_text) +
                                                       " is beyond the trim horizon of shard " +
                                                       std::string(*shard_id) + ": its record was trimmed"));
    }
    // Sequence numbers are shared by all shards: the number must be one of this shard's records.
    auto found = *sequence <= bounds->last
                     ? store_.ReadStream(*shard, *sequence - 1, 1)
                     : Result<std::vector<stream::StreamRecord>>(std::vector<stream::StreamRecord>{});
    if (!found.ok()) return MakeUnexpected(StoreFailure());
    if (found->empty() || found->front().sequence != *sequence) {
      return MakeUnexpected(ValidationException("Invalid SequenceNumber " + std::string(**sequence_text) +
                                                " for shard " + std::string(*shard_id) +
                                                ": no record of the shard has it"));
    }
    position.after_sequence = at ? *sequence - 1 : *sequence;
  }
  std::string body = R"({"ShardIterator":)";
  AppendJsonString(body, iterators_.Encode(position));
  body.push_back('}');
  return body;
}

OperationResult StreamsApi::GetRecords(const json::object& input, std::chrono::system_clock::time_point now) const {
  auto iterator = RequiredString(input, "ShardIterator");
  if (!iterator.ok()) return MakeUnexpected(iterator.error());
  auto limit = LimitOf(input, kMaxRecordsLimit);
  if (!limit.ok()) return MakeUnexpected(limit.error());
  auto position = iterators_.Decode(*iterator, now);
  if (!position.ok()) return MakeUnexpected(position.error());
  if (position->shard >= store_.shard_count()) return MakeUnexpected(ValidationException("Invalid ShardIterator"));

  auto records = store_.ReadStream(position->shard, position->after_sequence, static_cast<std::size_t>(*limit));
  if (!records.ok()) return MakeUnexpected(StoreFailure());
  // The trim mark is read after the records: a trim racing with the read is reported (the
  // client starts again from TRIM_HORIZON) rather than records silently skipped.
  auto bounds = store_.ReadShardBounds(position->shard);
  if (!bounds.ok()) return MakeUnexpected(StoreFailure());
  if (bounds->trimmed_through > position->after_sequence) {
    return MakeUnexpected(TrimmedDataAccessException(
        "The records after SequenceNumber " + stream::FormatSequenceNumber(position->after_sequence) + " of shard " +
        ShardIdOf(store_.account(), position->shard) + " were trimmed; start again from TRIM_HORIZON"));
  }

  const std::string arn = store_.account().StreamArn();
  std::string body = R"({"Records":[)";
  for (std::size_t i = 0; i < records->size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(StreamsApiRecord((*records)[i].json, arn));
  }
  IteratorPosition next{position->shard, records->empty() ? position->after_sequence : records->back().sequence, now};
  body.append(R"(],"NextShardIterator":)");
  AppendJsonString(body, iterators_.Encode(next));
  body.push_back('}');
  return body;
}

}  // namespace jobstream::dynamodb
