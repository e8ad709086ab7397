// ProjectionExpression: the attributes (and nested parts) of an item a read returns.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dynamodb/attribute_value.h"
#include "dynamodb/document_path.h"
#include "dynamodb/expression_attributes.h"

namespace jobstream::dynamodb {

// A parsed projection: the document paths to keep. Immutable.
struct Projection {
  std::vector<DocumentPath> paths;
  PlaceholderUse placeholders;
};

// Parses a comma-separated list of document paths (no two overlapping). `attributes` must have
// passed ValidateExpressionAttributes. Errors: "Invalid ProjectionExpression: …" as DynamoDB.
Result<Projection> ParseProjection(std::string_view text, const ExpressionAttributes& attributes);

// The parts of `item` the projection names, nested as in the item; list elements keep their
// order and close up (a[1] of a three-element list is a one-element list). Missing paths are
// left out.
Item Project(const Projection& projection, const Item& item);

}  // namespace jobstream::dynamodb
