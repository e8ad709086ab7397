// DynamoDB's reserved words: names an expression may not use bare, only through a #placeholder.
#pragma once

#include <string_view>

namespace jobstream::dynamodb {

// True when `name` (compared case-insensitively) is on DynamoDB's reserved word list.
bool IsReservedWord(std::string_view name);

}  // namespace jobstream::dynamodb
