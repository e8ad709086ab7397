// ExpressionAttributeNames / ExpressionAttributeValues of one request, and the check DynamoDB
// makes across all expressions of that request: every placeholder given must be used.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <set>
#include <string>

#include "common/result.h"

namespace jobstream::dynamodb {

// The request's two maps; a null pointer is a map the request did not send. Not owned.
struct ExpressionAttributes {
  const boost::json::object* names = nullptr;   // "#n" → "attribute name"
  const boost::json::object* values = nullptr;  // ":v" → attribute value
};

// The placeholders one compiled expression refers to.
struct PlaceholderUse {
  std::set<std::string> names;
  std::set<std::string> values;
};

// OK when the maps are well formed (non-empty when sent, keys starting with # or :, names
// strings, values valid attribute values); DynamoDB's messages otherwise.
Status ValidateExpressionAttributes(const ExpressionAttributes& attributes);

// OK when every name and value of `attributes` is used by one of `uses` (all the expressions of
// one request); else "Value provided in ExpressionAttribute{Names,Values} unused in expressions:
// keys: {…}".
Status CheckAllPlaceholdersUsed(const ExpressionAttributes& attributes,
                                std::initializer_list<const PlaceholderUse*> uses);

}  // namespace jobstream::dynamodb
