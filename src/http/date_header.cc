#include "http/date_header.h"

#include <array>
#include <chrono>

namespace jobstream::http {
namespace {

// Spelled out rather than strftime("%a %b") so the output never depends on the process locale.
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::size_t kHttpDateLength = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

void AppendTwoDigits(std::string& out, int value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

struct DateCache {
  std::time_t second = -1;
  std::string text;
};

}  // namespace

std::string FormatHttpDate(std::time_t seconds_since_epoch) {
  std::tm utc{};
  gmtime_r(&seconds_since_epoch, &utc);
  std::string out;
  out.reserve(kHttpDateLength);
  out += kWeekdays[static_cast<std::size_t>(utc.tm_wday)];
  out += ", ";
  AppendTwoDigits(out, utc.tm_mday);
  out += ' ';
  out += kMonths[static_cast<std::size_t>(utc.tm_mon)];
  out += ' ';
  const int year = utc.tm_year + 1900;
  AppendTwoDigits(out, year / 100);
  AppendTwoDigits(out, year % 100);
  out += ' ';
  AppendTwoDigits(out, utc.tm_hour);
  out += ':';
  AppendTwoDigits(out, utc.tm_min);
  out += ':';
  AppendTwoDigits(out, utc.tm_sec);
  out += " GMT";
  return out;
}

std::string_view CurrentHttpDate() {
  // Per thread, so I/O threads never contend on a lock or a shared cache line.
  thread_local DateCache cache;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cache.second) {
    cache.text = FormatHttpDate(now);
    cache.second = now;
  }
  return cache.text;
}

}  // namespace jobstream::http
