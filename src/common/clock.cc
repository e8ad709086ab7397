#include "common/clock.h"

#include <ctime>

#include "common/json_text.h"

namespace jobstream {

std::string FormatIso8601(SystemTime time) {
  std::int64_t millis = ToUnixMillis(time);
  auto seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::string text;
  text.reserve(24);
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_year) + 1900, 4);
  text.push_back('-');
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_mon) + 1, 2);
  text.push_back('-');
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_mday), 2);
  text.push_back('T');
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_hour), 2);
  text.push_back(':');
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_min), 2);
  text.push_back(':');
  AppendFixedDigits(text, static_cast<std::uint64_t>(utc.tm_sec), 2);
  text.push_back('.');
  AppendFixedDigits(text, static_cast<std::uint64_t>(millis % 1000), 3);
  text.push_back('Z');
  return text;
}

std::int64_t ToUnixMillis(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SystemTime FromUnixMillis(std::int64_t millis) { return SystemTime(std::chrono::milliseconds(millis)); }

}  // namespace jobstream
