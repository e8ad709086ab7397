// TableApi's table description and reads (see table_api.h).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "dynamodb/condition_expression.h"
#include "dynamodb/projection.h"
#include "dynamodb/streams_api.h"
#include "dynamodb/table_api.h"
#include "dynamodb/table_request.h"
#include "store/job.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

constexpr std::int64_t kMaxListTablesLimit = 100;
constexpr std::size_t kMaxBatchGetKeys = 100;
constexpr std::size_t kMaxPageBytes = std::size_t{1024} * 1024;  // a Scan page, as DynamoDB's 1 MB
constexpr std::size_t kScanChunk = 256;                          // items read from the store at a time

Result<std::optional<Projection>, ApiError> ProjectionOf(const json::object& input,
                                                         const ExpressionAttributes& attributes) {
  auto text = OptionalString(input, "ProjectionExpression");
  if (!text.ok()) return MakeUnexpected(text.error());
  if (!text->has_value()) return std::optional<Projection>{};
  auto projection = ParseProjection(**text, attributes);
  if (!projection.ok()) return MakeUnexpected(ToApiError(projection.error()));
  return std::optional<Projection>{std::move(projection).value()};
}

Result<std::int64_t, ApiError> LimitOf(const json::object& input, std::int64_t max) {
  auto limit = OptionalInteger(input, "Limit");
  if (!limit.ok()) return MakeUnexpected(limit.error());
  if (!limit->has_value()) return max;
  if (**limit < 1) {
    return MakeUnexpected(ValidationException("1 validation error detected: Value '" + std::to_string(**limit) +
                                              "' at 'limit' failed to satisfy constraint: Member must have value "
                                              "greater than or equal to 1"));
  }
  if (**limit > max) {
    return MakeUnexpected(ValidationException("1 validation error detected: Value '" + std::to_string(**limit) +
                                              "' at 'limit' failed to satisfy constraint: Member must have value "
                                              "less than or equal to " +
                                              std::to_string(max)));
  }
  return **limit;
}

}  // namespace

OperationTable TableApi::Operations() const {
  OperationTable table;
  auto read = [this](OperationResult (TableApi::*operation)(const json::object&) const) {
    return Synchronous(
        [this, operation](const json::object& input, const OperationContext&) { return (this->*operation)(input); });
  };
  auto write = [this](void (TableApi::*operation)(const json::object&, OperationRespond) const) -> Operation {
    return [this, operation](const json::object& input, const OperationContext&, OperationRespond respond) {
      (this->*operation)(input, std::move(respond));
    };
  };
  table["DescribeTable"] = read(&TableApi::DescribeTable);
  table["ListTables"] = read(&TableApi::ListTables);
  table["GetItem"] = read(&TableApi::GetItem);
  table["BatchGetItem"] = read(&TableApi::BatchGetItem);
  table["Scan"] = read(&TableApi::Scan);
  table["PutItem"] = write(&TableApi::PutItem);
  table["UpdateItem"] = write(&TableApi::UpdateItem);
  table["DeleteItem"] = write(&TableApi::DeleteItem);
  return table;
}

OperationResult TableApi::DescribeTable(const json::object& input) const {
  const AwsAccount& account = store_.account();
  auto name = RequiredString(input, "TableName");
  if (!name.ok()) return MakeUnexpected(name.error());
  if (*name != account.table_name && *name != account.TableArn()) {
    return MakeUnexpected(
        ResourceNotFoundException("Requested resource not found: Table: " + std::string(*name) + " not found"));
  }
  auto count = store_.CountItems();
  if (!count.ok()) return MakeUnexpected(InternalServerError());
  json::object key{{"AttributeName", kKeyAttribute}, {"KeyType", "HASH"}};
  json::object table{
      {"AttributeDefinitions", json::array{json::object{{"AttributeName", kKeyAttribute}, {"AttributeType", "S"}}}},
      {"TableName", account.table_name},
      {"KeySchema", json::array{key}},
      {"TableStatus", "ACTIVE"},
      {"CreationDateTime", StreamLabelEpochSeconds(account.stream_label)},
      {"ProvisionedThroughput",
       json::object{{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}}},
      {"ItemCount", *count},
      {"TableArn", account.TableArn()},
      {"BillingModeSummary", json::object{{"BillingMode", "PAY_PER_REQUEST"}}},
      {"StreamSpecification", json::object{{"StreamEnabled", true}, {"StreamViewType", stream::ToString(view_type_)}}},
      {"LatestStreamLabel", account.stream_label},
      {"LatestStreamArn", account.StreamArn()}};
  return json::serialize(json::object{{"Table", std::move(table)}});
}

OperationResult TableApi::ListTables(const json::object& input) const {
  auto start = OptionalString(input, "ExclusiveStartTableName");
  if (!start.ok()) return MakeUnexpected(start.error());
  auto limit = LimitOf(input, kMaxListTablesLimit);
  if (!limit.ok()) return MakeUnexpected(limit.error());
  const std::string& name = store_.account().table_name;
  json::array names;
  if (!start->has_value() || **start < name) names.emplace_back(name);
  return json::serialize(json::object{{"TableNames", std::move(names)}});
}

OperationResult TableApi::GetItem(const json::object& input) const {
  if (auto legacy = RefuseLegacyParameters(input); !legacy.ok()) return MakeUnexpected(legacy.error());
  if (auto table = CheckTableName(input, store_.account()); !table.ok()) return MakeUnexpected(table.error());
  auto id = KeyId(input);
  if (!id.ok()) return MakeUnexpected(id.error());
  auto attributes = ExpressionAttributesOf(input);
  if (!attributes.ok()) return MakeUnexpected(attributes.error());
  auto projection = ProjectionOf(input, *attributes);
  if (!projection.ok()) return MakeUnexpected(projection.error());
  if (Status used = CheckAllPlaceholdersUsed(*attributes, {*projection ? &(*projection)->placeholders : nullptr});
      !used.ok()) {
    return MakeUnexpected(ToApiError(used));
  }
  auto text = store_.GetJobJson(*id);
  if (!text.ok()) {
    if (text.error().code() == StatusCode::kNotFound) return std::string("{}");
    return MakeUnexpected(InternalServerError());
  }
  auto item = ParseStoredItem(*text);
  if (!item.ok()) return MakeUnexpected(item.error());
  if (!*projection) return "{\"Item\":" + *text + "}";
  return json::serialize(json::object{{"Item", Project(**projection, *item)}});
}

OperationResult TableApi::BatchGetItem(const json::object& input) const {
  auto requests = OptionalObject(input, "RequestItems");
  if (!requests.ok()) return MakeUnexpected(requests.error());
  if (*requests == nullptr) {
    return MakeUnexpected(ValidationException(
        "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not "
        "be null"));
  }
  json::object responses;
  std::size_t total = 0;
  for (const auto& [table_name, request_value] : **requests) {
    if (!request_value.is_object()) return MakeUnexpected(SerializationException());
    const json::object& request = request_value.get_object();
    if (table_name != store_.account().table_name && table_name != store_.account().TableArn()) {
      return MakeUnexpected(ResourceNotFoundException("Requested resource not found"));
    }
    if (auto legacy = RefuseLegacyParameters(request); !legacy.ok()) return MakeUnexpected(legacy.error());
    const json::value* keys = request.if_contains("Keys");
    if (keys == nullptr || !keys->is_array() || keys->get_array().empty()) {
      return MakeUnexpected(ValidationException(
          "1 validation error detected: Value null at 'requestItems." + std::string(table_name) +
          ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }
    total += keys->get_array().size();
    if (total > kMaxBatchGetKeys) {
      return MakeUnexpected(ValidationException("Too many items requested for the BatchGetItem call"));
    }
    auto attributes = ExpressionAttributesOf(request);
    if (!attributes.ok()) return MakeUnexpected(attributes.error());
    auto projection = ProjectionOf(request, *attributes);
    if (!projection.ok()) return MakeUnexpected(projection.error());
    if (Status used = CheckAllPlaceholdersUsed(*attributes, {*projection ? &(*projection)->placeholders : nullptr});
        !used.ok()) {
      return MakeUnexpected(ToApiError(used));
    }
    std::set<std::string> ids;
    for (const json::value& key : keys->get_array()) {
      auto id = KeyIdOf(key);
      if (!id.ok()) return MakeUnexpected(id.error());
      if (!ids.insert(*id).second) {
        return MakeUnexpected(ValidationException("Provided list of item keys contains duplicates"));
      }
    }
    json::array items;
    for (const std::string& id : ids) {
      auto text = store_.GetJobJson(id);
      if (!text.ok()) {
        if (text.error().code() == StatusCode::kNotFound) continue;
        return MakeUnexpected(InternalServerError());
      }
      auto item = ParseStoredItem(*text);
      if (!item.ok()) return MakeUnexpected(item.error());
      items.emplace_back(*projection ? Project(**projection, *item) : std::move(*item));
    }
    responses[table_name] = std::move(items);
  }
  return json::serialize(json::object{{"Responses", std::move(responses)}, {"UnprocessedKeys", json::object{}}});
}

OperationResult TableApi::Scan(const json::object& input) const {
  if (auto legacy = RefuseLegacyParameters(input); !legacy.ok()) return MakeUnexpected(legacy.error());
  if (auto table = CheckTableName(input, store_.account()); !table.ok()) return MakeUnexpected(table.error());
  if (auto index = OptionalString(input, "IndexName"); !index.ok() || index->has_value()) {
    if (!index.ok()) return MakeUnexpected(index.error());
    return MakeUnexpected(ValidationException("The table does not have the specified index: " + std::string(**index)));
  }
  auto segments = OptionalInteger(input, "TotalSegments");
  if (!segments.ok()) return MakeUnexpected(segments.error());
  if (segments->has_value() && **segments != 1) {
    return MakeUnexpected(ValidationException("jobstream serves Scan in one segment: TotalSegments must be 1"));
  }
  auto select = OptionalString(input, "Select");
  if (!select.ok()) return MakeUnexpected(select.error());
  const bool count_only = select->has_value() && **select == "COUNT";
  auto limit = LimitOf(input, std::numeric_limits<std::int64_t>::max());
  if (!limit.ok()) return MakeUnexpected(limit.error());
  std::string after;
  if (const json::value* start = input.if_contains("ExclusiveStartKey"); start != nullptr && !start->is_null()) {
    auto id = KeyIdOf(*start);
    if (!id.ok()) {
      return MakeUnexpected(
          ValidationException("The provided starting key is invalid: " + id.error().message.value_or("")));
    }
    after = std::move(id).value();
  }
  auto attributes = ExpressionAttributesOf(input);
  if (!attributes.ok()) return MakeUnexpected(attributes.error());
  auto projection = ProjectionOf(input, *attributes);
  if (!projection.ok()) return MakeUnexpected(projection.error());
  std::optional<CompiledCondition> filter;
  auto filter_text = OptionalString(input, "FilterExpression");
  if (!filter_text.ok()) return MakeUnexpected(filter_text.error());
  if (filter_text->has_value()) {
    auto parsed = ParseCondition(**filter_text, *attributes, "FilterExpression");
    if (!parsed.ok()) return MakeUnexpected(ToApiError(parsed.error()));
    filter = std::move(parsed).value();
  }
  if (Status used = CheckAllPlaceholdersUsed(*attributes, {*projection ? &(*projection)->placeholders : nullptr,
                                                           filter ? &filter->placeholders() : nullptr});
      !used.ok()) {
    return MakeUnexpected(ToApiError(used));
  }

  json::array items;
  std::int64_t scanned = 0;
  std::int64_t matched = 0;
  std::size_t bytes = 0;
  bool more = false;
  while (!more) {
    const auto want = static_cast<std::size_t>(std::min<std::int64_t>(*limit - scanned, kScanChunk));
    auto chunk = store_.ScanItems(after, want);
    if (!chunk.ok()) return MakeUnexpected(InternalServerError());
    for (const std::string& text : *chunk) {
      auto item = ParseStoredItem(text);
      if (!item.ok()) return MakeUnexpected(item.error());
      const json::value* key = item->if_contains(kKeyAttribute);
      auto id = key != nullptr ? KeyIdOf(json::object{{std::string(kKeyAttribute), *key}})
                               : Result<std::string, ApiError>(MakeUnexpected(InternalServerError()));
      if (!id.ok()) return MakeUnexpected(InternalServerError());
      after = std::move(id).value();
      ++scanned;
      bytes += text.size();
      if (!filter || Evaluate(*filter, *item)) {
        ++matched;
        if (!count_only) items.emplace_back(*projection ? Project(**projection, *item) : std::move(*item));
      }
      // A page ends at 1 MB read, as DynamoDB's; the rest of the chunk is read again next page.
      if (bytes >= kMaxPageBytes) break;
    }
    if (bytes >= kMaxPageBytes || scanned >= *limit) {
      // DynamoDB returns LastEvaluatedKey whenever it stopped at Limit or at the page size, even
      // when nothing follows (the next page is then empty).
      more = true;
    } else if (chunk->size() < want) {
      break;  // the end of the table
    }
  }
  json::object output{{"Count", matched}, {"ScannedCount", scanned}};
  if (!count_only) output["Items"] = std::move(items);
  if (more) output["LastEvaluatedKey"] = json::object{{kKeyAttribute, json::object{{"S", after}}}};
  return json::serialize(output);
}

}  // namespace jobstream::dynamodb
