#include "auth/sigv4_time.h"

#include <fmt/format.h>

#include <array>

#include "common/json_text.h"

namespace jobstream::auth {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::seconds;

struct CivilTime {
  int year;
  unsigned month, day, hour, minute, second;
};

CivilTime ToCivil(TimePoint time) {
  auto whole = floor<seconds>(time);
  auto day_start = floor<days>(whole);
  std::chrono::year_month_day date{day_start};
  std::chrono::hh_mm_ss clock{whole - day_start};
  return {static_cast<int>(date.year()),
          static_cast<unsigned>(date.month()),
          static_cast<unsigned>(date.day()),
          static_cast<unsigned>(clock.hours().count()),
          static_cast<unsigned>(clock.minutes().count()),
          static_cast<unsigned>(clock.seconds().count())};
}

std::optional<TimePoint> FromCivil(const CivilTime& civil) {
  std::chrono::year_month_day date{std::chrono::year{civil.year}, std::chrono::month{civil.month},
                                   std::chrono::day{civil.day}};
  // Leap seconds (:60) are refused: AWS formats never produce them.
  if (!date.ok() || civil.hour > 23 || civil.minute > 59 || civil.second > 59) {
    return std::nullopt;
  }
  const std::chrono::sys_seconds time = std::chrono::sys_days{date} + std::chrono::hours{civil.hour} +
                                        std::chrono::minutes{civil.minute} + seconds{civil.second};
  // TimePoint counts nanoseconds in 64 bits, years 1678 to 2262, while the formats allow years
  // 0000 to 9999: converting a time outside would overflow (undefined behaviour; found by
  // fuzz/sigv4_claim_fuzz.cc). No request is signed at such a time.
  if (time < std::chrono::ceil<seconds>(TimePoint::min()) || time > floor<seconds>(TimePoint::max())) {
    return std::nullopt;
  }
  return TimePoint{time};
}

// Reads exactly `width` ASCII digits at text[pos]; nullopt otherwise.
std::optional<unsigned> Digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string FormatAmzDate(TimePoint time) {
  // Runs for every verified request: digits appended by hand, not through a format string.
  CivilTime civil = ToCivil(time);
  std::string text;
  text.reserve(16);
  AppendFixedDigits(text, static_cast<std::uint64_t>(civil.year), 4);
  AppendFixedDigits(text, civil.month, 2);
  AppendFixedDigits(text, civil.day, 2);
  text.push_back('T');
  AppendFixedDigits(text, civil.hour, 2);
  AppendFixedDigits(text, civil.minute, 2);
  AppendFixedDigits(text, civil.second, 2);
  text.push_back('Z');
  return text;
}

std::optional<TimePoint> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto year = Digits(text, 0, 4);
  auto month = Digits(text, 4, 2);
  auto day = Digits(text, 6, 2);
  auto hour = Digits(text, 9, 2);
  auto minute = Digits(text, 11, 2);
  auto second = Digits(text, 13, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  return FromCivil({static_cast<int>(*year), *month, *day, *hour, *minute, *second});
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  // "Sun, 30 Aug 2015 12:36:00 GMT": fixed width, 29 characters.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  std::string_view weekday = text.substr(0, 3);
  std::string_view month_name = text.substr(8, 3);
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == month_name) month = i + 1;
  }
  auto day = Digits(text, 5, 2);
  auto year = Digits(text, 12, 4);
  auto hour = Digits(text, 17, 2);
  auto minute = Digits(text, 20, 2);
  auto second = Digits(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
  auto time = FromCivil({static_cast<int>(*year), month, *day, *hour, *minute, *second});
  if (!time) return std::nullopt;
  // A weekday that contradicts the date means the sender computed the date wrongly.
  std::chrono::weekday actual{floor<days>(*time)};
  if (kWeekdays[actual.c_encoding()] != weekday) return std::nullopt;
  return time;
}

std::string FormatIso8601(TimePoint time) {
  CivilTime civil = ToCivil(time);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", civil.year, civil.month, civil.day, civil.hour,
                     civil.minute, civil.second);
}

}  // namespace jobstream::auth
