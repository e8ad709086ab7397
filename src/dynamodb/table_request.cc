#include "dynamodb/table_request.h"

#include <boost/json/parse.hpp>

#include "store/job.h"

namespace jobstream::dynamodb {
namespace {

namespace json = boost::json;

ApiError ConstraintError(std::string_view value, std::string_view member, std::string_view constraint) {
  return ValidationException("1 validation error detected: Value '" + std::string(value) + "' at '" +
                             std::string(member) + "' failed to satisfy constraint: " + std::string(constraint));
}

std::size_t ValueSizeBytes(const json::value& value) {
  const json::object* typed = value.if_object();
  if (typed == nullptr || typed->size() != 1) return 0;
  const auto& [type, payload] = *typed->begin();
  if (type == "S" || type == "N" || type == "B") {
    const std::size_t text = payload.is_string() ? payload.get_string().size() : 0;
    return type == "B" ? text * 3 / 4 : text;  // base64: three bytes per four characters
  }
  if (type == "BOOL" || type == "NULL") return 1;
  std::size_t size = 3;  // DynamoDB's overhead of a map or list
  if (type == "M" && payload.is_object()) {
    for (const auto& [name, member] : payload.get_object()) size += name.size() + 1 + ValueSizeBytes(member);
  } else if (type == "L" && payload.is_array()) {
    for (const auto& member : payload.get_array()) size += 1 + ValueSizeBytes(member);
  } else if (payload.is_array()) {  // sets
    size = 0;
    for (const auto& member : payload.get_array()) size += member.is_string() ? member.get_string().size() : 0;
  }
  return size;
}

}  // namespace

Result<bool, ApiError> CheckTableName(const json::object& input, const AwsAccount& account) {
  auto name = RequiredString(input, "TableName");
  if (!name.ok()) return MakeUnexpected(name.error());
  if (*name == account.table_name || *name == account.TableArn()) return true;
  if (name->size() < 3)
    return MakeUnexpected(ConstraintError(*name, "tableName", "Member must have length greater than or equal to 3"));
  if (name->size() > 1024)
    return MakeUnexpected(ConstraintError(*name, "tableName", "Member must have length less than or equal to 1024"));
  return MakeUnexpected(ResourceNotFoundException("Requested resource not found"));
}

Result<std::string, ApiError> KeyIdOf(const json::value& key) {
  const json::object* members = key.if_object();
  if (members == nullptr)
    return MakeUnexpected(SerializationException("Start of structure or map found where not expected."));
  for (const auto& [name, value] : *members) {
    if (Status valid = ValidateAttributeValue(value); !valid.ok()) return MakeUnexpected(ToApiError(valid));
  }
  const json::value* id = members->if_contains(kKeyAttribute);
  if (members->size() != 1 || id == nullptr || TypeOf(*id) != AttributeType::kS) {
    return MakeUnexpected(ValidationException("The provided key element does not match the schema"));
  }
  const json::string& text = id->at("S").as_string();
  if (text.empty()) {
    return MakeUnexpected(ValidationException(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
        "string value. Key: id"));
  }
  if (text.size() > kMaxPartitionKeyBytes) {
    return MakeUnexpected(
        ValidationException("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
                            "limit of 2048 bytes"));
  }
  return std::string(text);
}

Result<std::string, ApiError> KeyId(const json::object& input, std::string_view member) {
  const json::value* key = input.if_contains(member);
  if (key == nullptr || key->is_null()) {
    std::string lower(member);
    lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
    return MakeUnexpected(ValidationException("1 validation error detected: Value null at '" + lower +
                                              "' failed to satisfy constraint: Member must not be null"));
  }
  return KeyIdOf(*key);
}

std::size_t ItemSizeBytes(const Item& item) {
  std::size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + ValueSizeBytes(value);
  return size;
}

Result<const json::object*, ApiError> OptionalObject(const json::object& input, std::string_view name) {
  const json::value* member = input.if_contains(name);
  if (member == nullptr || member->is_null()) return static_cast<const json::object*>(nullptr);
  if (!member->is_object()) {
    return MakeUnexpected(SerializationException("Unexpected value type in payload"));
  }
  return &member->get_object();
}

Result<ExpressionAttributes, ApiError> ExpressionAttributesOf(const json::object& input) {
  auto names = OptionalObject(input, "ExpressionAttributeNames");
  if (!names.ok()) return MakeUnexpected(names.error());
  auto values = OptionalObject(input, "ExpressionAttributeValues");
  if (!values.ok()) return MakeUnexpected(values.error());
  ExpressionAttributes attributes{*names, *values};
  if (Status valid = ValidateExpressionAttributes(attributes); !valid.ok()) return MakeUnexpected(ToApiError(valid));
  return attributes;
}

Result<std::string, ApiError> ReturnValuesOf(const json::object& input,
                                             std::initializer_list<std::string_view> allowed) {
  auto value = OptionalString(input, "ReturnValues");
  if (!value.ok()) return MakeUnexpected(value.error());
  if (!value->has_value()) return std::string("NONE");
  const std::string_view text = **value;
  for (std::string_view known : {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}) {
    if (text != known) continue;
    for (std::string_view ok : allowed) {
      if (ok == text) return std::string(text);
    }
    return MakeUnexpected(ValidationException("ReturnValues can only be ALL_OLD or NONE"));
  }
  return MakeUnexpected(ConstraintError(text, "returnValues",
                                        "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, "
                                        "UPDATED_NEW]"));
}

Result<bool, ApiError> RefuseLegacyParameters(const json::object& input) {
  for (std::string_view legacy :
       {"AttributesToGet", "Expected", "AttributeUpdates", "ScanFilter", "ConditionalOperator", "KeyConditions"}) {
    if (input.contains(legacy)) {
      return MakeUnexpected(ValidationException("jobstream does not support the legacy parameter " +
                                                std::string(legacy) + "; use expressions instead"));
    }
  }
  return true;
}

Result<Item, ApiError> ParseStoredItem(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = store::kMaxItemDepth;
  json::value parsed = json::parse(text, ec, {}, options);
  if (ec || !parsed.is_object()) return MakeUnexpected(InternalServerError());
  Item item = std::move(parsed.get_object());
  return item;
}

ApiError ToApiError(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) return ValidationException(status.message());
  if (status.code() == StatusCode::kUnavailable) {
    // The SDKs retry throttling errors with backoff: a full write queue or store is that.
    return ServiceError("ThrottlingException", status.message());
  }
  return InternalServerError();
}

ApiError ConditionalCheckFailed(const Item* item) {
  ApiError error = ServiceError("ConditionalCheckFailedException", "The conditional request failed");
  if (item != nullptr) error.extra["Item"] = *item;
  return error;
}

}  // namespace jobstream::dynamodb
