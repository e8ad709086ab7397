// ConditionExpression and FilterExpression (one grammar): comparators, BETWEEN, IN, AND/OR/NOT,
// parentheses and the functions attribute_exists, attribute_not_exists, attribute_type,
// begins_with, contains and size, as DynamoDB defines them.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "dynamodb/attribute_value.h"
#include "dynamodb/expression_attributes.h"

namespace jobstream::dynamodb {

struct Node;

// A parsed condition; immutable, so one may be evaluated from several threads.
class CompiledCondition {
 public:
  CompiledCondition(std::shared_ptr<const Node> root, PlaceholderUse use);
  const PlaceholderUse& placeholders() const { return use_; }
  const Node& root() const { return *root_; }

 private:
  std::shared_ptr<const Node> root_;
  PlaceholderUse use_;
};

// Parses `text`; `label` names the parameter in errors ("ConditionExpression" or
// "FilterExpression"). `attributes` must have passed ValidateExpressionAttributes. Errors are
// DynamoDB's ValidationException messages ("Invalid ConditionExpression: …").
Result<CompiledCondition> ParseCondition(std::string_view text, const ExpressionAttributes& attributes,
                                         std::string_view label = "ConditionExpression");

// Whether `item` satisfies the condition; a missing item is evaluated as an empty one.
bool Evaluate(const CompiledCondition& condition, const Item& item);

}  // namespace jobstream::dynamodb
