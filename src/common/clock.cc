#include "common/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace jobstream {

std::string FormatIso8601(SystemTime time) {
  std::int64_t millis = ToUnixMillis(time);
  auto seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis % 1000);
}

std::int64_t ToUnixMillis(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SystemTime FromUnixMillis(std::int64_t millis) { return SystemTime(std::chrono::milliseconds(millis)); }

}  // namespace jobstream
