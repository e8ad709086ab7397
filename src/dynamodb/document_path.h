// Document paths (`a.b[0].#c` once placeholders are substituted): where in an item an
// expression reads or writes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "dynamodb/attribute_value.h"

namespace jobstream::dynamodb {

struct PathElement {
  std::string name;       // a map key (or the top-level attribute) when !is_index
  std::size_t index = 0;  // a list index when is_index
  bool is_index = false;
};

using DocumentPath = std::vector<PathElement>;

// DynamoDB's rendering in messages: a.b[0] → "[a, b, [0]]".
std::string DescribePath(const DocumentPath& path);

// The value at `path` in `item`, or nullptr when any step is missing or of the wrong type.
const boost::json::value* FindValue(const Item& item, const DocumentPath& path);

// OK when no path is a prefix of (or equal to) another and no two use one step both as a map key
// and as a list index; else DynamoDB's "Two document paths overlap/conflict …" message.
Status CheckPathsDisjoint(const std::vector<DocumentPath>& paths);

}  // namespace jobstream::dynamodb
