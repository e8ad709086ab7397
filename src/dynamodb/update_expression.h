// UpdateExpression: SET (with + and -, if_not_exists, list_append), REMOVE, ADD (numbers and
// sets) and DELETE (sets), as DynamoDB defines them.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "dynamodb/attribute_value.h"
#include "dynamodb/expression_attributes.h"

namespace jobstream::dynamodb {

struct UpdateActions;

// A parsed update; immutable, so one may be applied from several threads.
class CompiledUpdate {
 public:
  CompiledUpdate(std::shared_ptr<const UpdateActions> actions, PlaceholderUse use);
  const PlaceholderUse& placeholders() const { return use_; }
  const UpdateActions& actions() const { return *actions_; }

 private:
  std::shared_ptr<const UpdateActions> actions_;
  PlaceholderUse use_;
};

// Parses `text` (each clause at most once, no two target paths overlapping). `attributes` must
// have passed ValidateExpressionAttributes. Errors: "Invalid UpdateExpression: …" as DynamoDB.
Result<CompiledUpdate> ParseUpdateExpression(std::string_view text, const ExpressionAttributes& attributes);

// The item after the update (`current` is empty for a missing item). Every SET operand is read
// from `current` as it was before the update, as DynamoDB does. Errors are DynamoDB's messages
// for missing operands, wrong types, paths that cannot be written and numbers out of range.
Result<Item> Apply(const CompiledUpdate& update, Item current);

}  // namespace jobstream::dynamodb
