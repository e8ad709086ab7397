// The request members the DynamoDB API's table operations share, read and checked as DynamoDB
// does (its ValidationException messages): TableName, Key, Item, the expression maps,
// ReturnValues; and the bounds every input gets (item size 400 KB, key 2048 bytes; expressions
// are bounded to 4 KB by their parser).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/aws_account.h"
#include "dynamodb/attribute_value.h"
#include "dynamodb/expression_attributes.h"
#include "dynamodb/json_protocol.h"

namespace jobstream::dynamodb {

inline constexpr std::string_view kTableTargetPrefix = "DynamoDB_20120810";
inline constexpr std::size_t kMaxItemBytes = std::size_t{400} * 1024;
inline constexpr std::size_t kMaxPartitionKeyBytes = 2048;
// The table's one key attribute (KeySchema: id HASH, type S).
inline constexpr std::string_view kKeyAttribute = "id";

// The request's TableName (or the table's ARN) names this table; else ResourceNotFoundException.
Result<bool, ApiError> CheckTableName(const boost::json::object& input, const AwsAccount& account);

// The id a Key ({"id": {"S": "…"}}, nothing else) names.
Result<std::string, ApiError> KeyId(const boost::json::object& input, std::string_view member = "Key");
// The same check on a key object itself (BatchGetItem's Keys, Scan's ExclusiveStartKey).
Result<std::string, ApiError> KeyIdOf(const boost::json::value& key);

// An item's size as DynamoDB counts it (names and values in bytes), close enough to bound it.
std::size_t ItemSizeBytes(const Item& item);

// ExpressionAttributeNames/Values of the request, checked (ValidateExpressionAttributes).
Result<ExpressionAttributes, ApiError> ExpressionAttributesOf(const boost::json::object& input);

// An optional object member (absent or null: nullptr; another type: SerializationException).
Result<const boost::json::object*, ApiError> OptionalObject(const boost::json::object& input, std::string_view name);

// The ReturnValues member: NONE when absent; `allowed` lists what this operation accepts.
Result<std::string, ApiError> ReturnValuesOf(const boost::json::object& input,
                                             std::initializer_list<std::string_view> allowed);

// Parameters of DynamoDB's legacy API (AttributesToGet, Expected, …), which jobstream does not
// serve: a ValidationException saying so instead of silently ignoring them.
Result<bool, ApiError> RefuseLegacyParameters(const boost::json::object& input);

// An item as the store keeps it (typed JSON text), parsed; InternalServerError if unreadable.
Result<Item, ApiError> ParseStoredItem(std::string_view text);

// A Status from the expression engine or the store as the API answers it.
ApiError ToApiError(const Status& status);

// DynamoDB's ConditionalCheckFailedException, with the item when the request asked for it.
ApiError ConditionalCheckFailed(const Item* item);

}  // namespace jobstream::dynamodb
