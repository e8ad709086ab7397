// Time: the Clock interface (the system's clocks, or a manual one for tests) and wall-clock time
// formatted the ways the API and the stream records need.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobstream {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

// Where code that stores or schedules by time reads it (LevelDB's Env::NowMicros), so that tests
// can set it. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: what is stored or shown (updatedAt, a record's creation time, retention).
  virtual SystemTime Now() const = 0;
  // Monotonic time: intervals and deadlines (it never goes back).
  virtual SteadyTime SteadyNow() const = 0;

  // The system's clocks; lives as long as the process.
  static Clock* Default();
};

// A clock that moves only when told to (tests). Thread-safe.
class ManualClock final : public Clock {
 public:
  // Starts at `now` (wall) and at the real monotonic time of construction.
  explicit ManualClock(SystemTime now);
  SystemTime Now() const override;
  SteadyTime SteadyNow() const override;
  // Moves both clocks forward by `by` (>= 0).
  void Advance(std::chrono::nanoseconds by);
  // Sets the wall clock alone, backwards too (as NTP may); the monotonic one stays.
  void SetNow(SystemTime now);

 private:
  std::atomic<std::int64_t> system_ns_;  // since the Unix epoch
  std::atomic<std::int64_t> steady_ns_;  // since steady_clock's epoch
};

// ISO 8601 UTC with milliseconds, e.g. 2026-11-27T02:46:16.123Z (the job's createdAt/updatedAt).
std::string FormatIso8601(SystemTime time);
// FormatIso8601's exact form back (nothing else: no offsets, no missing fields); nullopt if
// `text` is not that form or not a real date and time.
std::optional<SystemTime> ParseIso8601(std::string_view text);

// Milliseconds since the Unix epoch.
std::int64_t ToUnixMillis(SystemTime time);
SystemTime FromUnixMillis(std::int64_t millis);

}  // namespace jobstream
