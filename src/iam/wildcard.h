// IAM's wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
// Nothing else is special, so an ARN's `/`, `:` and `.` match only themselves.
#pragma once

#include <string_view>

namespace jobstream::iam {

enum class CaseSensitivity { kSensitive, kInsensitive };

// True when text matches pattern as a whole. Actions compare case-insensitively (IAM's rule),
// resources and principals case-sensitively. O(|pattern| × |text|) at worst: no backtracking
// beyond the last `*`, so a hostile pattern cannot make it exponential.
bool WildcardMatch(std::string_view pattern, std::string_view text, CaseSensitivity sensitivity);

}  // namespace jobstream::iam
