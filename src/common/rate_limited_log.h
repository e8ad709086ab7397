// A log line that repeats at most once per interval, with a count of the ones left out.
//
// A failure that repeats for every request or every retry (a full disk, an unreadable job) would
// otherwise write thousands of lines a second and fill the disk it complains about. Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace jobstream {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(spdlog::level::level_enum level,
                          std::chrono::steady_clock::duration interval = std::chrono::seconds(10))
      : level_(level), interval_(interval) {}

  // Logs `message` now if the last line went out at least one interval ago (noting how many were
  // suppressed since); otherwise counts it. Returns true when it was logged.
  bool Log(const std::string& message) {
    auto now = std::chrono::steady_clock::now();
    std::uint64_t suppressed = 0;
    {
      std::lock_guard lock(mutex_);
      if (logged_once_ && now - last_logged_ < interval_) {
        ++suppressed_;
        return false;
      }
      logged_once_ = true;
      last_logged_ = now;
      suppressed = suppressed_;
      suppressed_ = 0;
    }
    if (suppressed == 0) {
      spdlog::log(level_, "{}", message);
    } else {
      spdlog::log(level_, "{} ({} similar messages suppressed)", message, suppressed);
    }
    return true;
  }

 private:
  const spdlog::level::level_enum level_;
  const std::chrono::steady_clock::duration interval_;
  std::mutex mutex_;
  bool logged_once_ = false;                           // guarded by mutex_
  std::chrono::steady_clock::time_point last_logged_;  // guarded by mutex_
  std::uint64_t suppressed_ = 0;                       // guarded by mutex_
};

}  // namespace jobstream
