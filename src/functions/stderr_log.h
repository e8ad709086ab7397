// The log of what a function's processes write to stderr: each line with the function's name
// and the invocation's request id, like Lambda's log stream.
//
// Bounded: up to kLinesPerSecond lines a second per function go out as they come; beyond that
// a RateLimitedLog lets one line through every ten seconds with the count of those it left out,
// so a function printing in a loop cannot fill the disk. Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "common/rate_limited_log.h"

namespace jobstream::functions {

class StderrLog {
 public:
  static constexpr std::size_t kLinesPerSecond = 200;
  static constexpr std::size_t kMaxLineBytes = 4096;  // longer lines are cut

  explicit StderrLog(std::string function_name) : function_name_(std::move(function_name)) {}

  void Line(std::string_view request_id, std::string_view line) {
    if (line.size() > kMaxLineBytes) line = line.substr(0, kMaxLineBytes);
    std::string message = fmt::format("function {} {}: {}", function_name_, request_id, line);
    if (TakeBudget()) {
      spdlog::info("{}", message);
    } else {
      overflow_.Log(message);
    }
  }

 private:
  bool TakeBudget() {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (now - window_start_ >= std::chrono::seconds(1)) {
      window_start_ = now;
      lines_in_window_ = 0;
    }
    return lines_in_window_++ < kLinesPerSecond;
  }

  const std::string function_name_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_start_;  // GUARDED_BY(mutex_)
  std::size_t lines_in_window_ = 0;                     // GUARDED_BY(mutex_)
  RateLimitedLog overflow_{spdlog::level::info};
};

}  // namespace jobstream::functions
