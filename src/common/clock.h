// Wall-clock time, formatted the ways the API and the stream records need.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace jobstream {

using SystemTime = std::chrono::system_clock::time_point;

// ISO 8601 UTC with milliseconds, e.g. 2026-11-27T02:46:16.123Z (the job's createdAt/updatedAt).
std::string FormatIso8601(SystemTime time);

// Milliseconds since the Unix epoch.
std::int64_t ToUnixMillis(SystemTime time);
SystemTime FromUnixMillis(std::int64_t millis);

}  // namespace jobstream
