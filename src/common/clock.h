// Wall-clock time, formatted the ways the API and the stream records need.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobstream {

using SystemTime = std::chrono::system_clock::time_point;

// ISO 8601 UTC with milliseconds, e.g. 2026-11-27T02:46:16.123Z (the job's createdAt/updatedAt).
std::string FormatIso8601(SystemTime time);
// FormatIso8601's exact form back (nothing else: no offsets, no missing fields); nullopt if
// `text` is not that form or not a real date and time.
std::optional<SystemTime> ParseIso8601(std::string_view text);

// Milliseconds since the Unix epoch.
std::int64_t ToUnixMillis(SystemTime time);
SystemTime FromUnixMillis(std::int64_t millis);

}  // namespace jobstream
