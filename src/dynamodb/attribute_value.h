// DynamoDB attribute values in their wire JSON, the shape the JSON 1.0 API and stream images
// carry: {"S": "x"}, {"N": "1.5"}, {"B": "<base64>"}, {"BOOL": true}, {"NULL": true},
// {"M": {...}}, {"L": [...]}, {"SS"|"NS"|"BS": [...]}. An item is an object of them.
// (stream/dynamo_json.h converts between plain JSON and this shape; this file checks and compares
// values as DynamoDB does.)
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace jobstream::dynamodb {

using Item = boost::json::object;

enum class AttributeType { kS, kN, kB, kBool, kNull, kM, kL, kSS, kNS, kBS };

// Deepest M/L nesting accepted, as DynamoDB's limit of 32 levels.
inline constexpr int kMaxNestingDepth = 32;

// The type of a value with exactly one known type key, without checking its payload.
std::optional<AttributeType> TypeOf(const boost::json::value& value);

// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS": the names attribute_type takes.
std::string_view TypeName(AttributeType type);

// The type key of `value` when TypeOf knows it (TypeOf + TypeName), for tests and messages.
std::optional<AttributeType> TypeFromName(std::string_view name);

// OK when `value` is a valid attribute value as DynamoDB checks it (one type, payload of the
// right kind, numbers within range and precision, non-empty sets without duplicates, nesting
// within kMaxNestingDepth); otherwise InvalidArgument with DynamoDB's ValidationException message.
Status ValidateAttributeValue(const boost::json::value& value);

// ValidateAttributeValue on every attribute of an item.
Status ValidateItem(const Item& item);

// DynamoDB equality: same type and same value; numbers by value, sets regardless of order.
// Both must be valid.
bool AttributeEquals(const boost::json::value& a, const boost::json::value& b);

// Ordering for < <= > >= BETWEEN: -1/0/1 when both are N, both S (UTF-8 bytes) or both B
// (bytes); nullopt for any other pair, which makes the comparison false.
std::optional<int> CompareOrdered(const boost::json::value& a, const boost::json::value& b);

// size(): characters of S (UTF-8 bytes), bytes of B, members of a set, entries of M and L;
// nullopt for N, BOOL and NULL.
std::optional<std::size_t> AttributeSize(const boost::json::value& value);

// The bytes of base64 text; nullopt when it is not valid base64.
std::optional<std::string> DecodeBase64(std::string_view text);

// DynamoDB's rendering of a value inside messages, e.g. {N:5} or {S:abc}.
std::string DescribeForMessage(const boost::json::value& value);

}  // namespace jobstream::dynamodb
