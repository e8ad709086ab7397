#include "common/rate_limited_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <thread>

namespace jobstream {
namespace {

// Captures what spdlog's default logger writes while the test runs.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A disk that fails every request must not write a line per request (2,000 a second, measured).
TEST(RateLimitedLogTest, AFailureRepeatingThousandsOfTimesLogsOneLineAnInterval) {
  CapturedLog captured;
  RateLimitedLog log(spdlog::level::err, std::chrono::milliseconds(200));
  int logged = 0;
  for (int i = 0; i < 5000; ++i) logged += log.Log("commit failed: disk full") ? 1 : 0;
  EXPECT_EQ(logged, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_TRUE(log.Log("commit failed: disk full"));
  std::string text = captured.Text();
  EXPECT_NE(text.find("commit failed: disk full\n"), std::string::npos) << text;
  EXPECT_NE(text.find("commit failed: disk full (4999 similar messages suppressed)"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

}  // namespace
}  // namespace jobstream
