// The time formats AWS authentication uses: X-Amz-Date (ISO 8601 basic), the HTTP Date header
// (RFC 1123) and the IAM CreateDate (ISO 8601 extended). All UTC, whole seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace jobstream::auth {

using TimePoint = std::chrono::system_clock::time_point;

// 20150830T123600Z
std::string FormatAmzDate(TimePoint time);

// The inverse of FormatAmzDate; nullopt unless text is exactly YYYYMMDD'T'HHMMSS'Z' and a real
// calendar time.
std::optional<TimePoint> ParseAmzDate(std::string_view text);

// An RFC 1123 HTTP date ("Sun, 30 Aug 2015 12:36:00 GMT"); nullopt for anything else.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

// 2026-11-27T02:46:16Z
std::string FormatIso8601(TimePoint time);

}  // namespace jobstream::auth
