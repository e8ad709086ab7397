// The parsed form of condition, update and projection expressions (internal to src/dynamodb:
// callers use condition_expression.h, update_expression.h and projection.h).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "dynamodb/document_path.h"
#include "dynamodb/expression_attributes.h"

namespace jobstream::dynamodb {

// Bounds on what a client can send (DynamoDB's: 4 KB per expression, 300 operators or functions,
// 100 IN operands, document paths 32 levels deep).
inline constexpr std::size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxOperators = 300;
inline constexpr std::size_t kMaxInOperands = 100;
inline constexpr int kMaxPathDepth = 32;
// Parentheses and NOT nest at most this deep, so that parsing and evaluating stay off the end of
// the stack whatever the text (our bound; DynamoDB states none).
inline constexpr int kMaxNesting = 64;

struct Node {
  enum class Kind { kPath, kValue, kFunction, kCompare, kBetween, kIn, kAnd, kOr, kNot, kPlus, kMinus };
  explicit Node(Kind node_kind = Kind::kValue, std::string node_op = {}) : kind(node_kind), op(std::move(node_op)) {}
  Kind kind;
  std::string op;            // comparator ("=", "<>", …) or function name
  DocumentPath path;         // kPath
  boost::json::value value;  // kValue: the placeholder's attribute value
  std::vector<Node> children;
};

struct UpdateActions {
  std::vector<std::pair<DocumentPath, Node>> set;
  std::vector<DocumentPath> remove;
  std::vector<std::pair<DocumentPath, boost::json::value>> add;
  std::vector<std::pair<DocumentPath, boost::json::value>> del;
};

// Each parses one whole expression; `label` names it in messages ("ConditionExpression",
// "FilterExpression"), errors are "Invalid <label>: …". Placeholders met are added to `use`.
Result<Node> ParseConditionTree(std::string_view label, std::string_view text, const ExpressionAttributes& attributes,
                                PlaceholderUse& use);
Result<UpdateActions> ParseUpdateActions(std::string_view text, const ExpressionAttributes& attributes,
                                         PlaceholderUse& use);
Result<std::vector<DocumentPath>> ParseProjectionPaths(std::string_view text, const ExpressionAttributes& attributes,
                                                       PlaceholderUse& use);

}  // namespace jobstream::dynamodb
