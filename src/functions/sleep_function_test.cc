#include "functions/sleep_function.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

std::string RecordWithSeconds(std::string_view seconds_text) {
  return std::string(R"({"eventName": "INSERT", "dynamodb": {"NewImage": {"seconds": {"N": ")") +
         std::string(seconds_text) + R"("}}}})";
}

StreamEvent Event(std::vector<std::string> records) { return StreamEvent(std::move(records)); }

TEST(SleepFunctionTest, SleepsOnATimerAndReportsTheReferenceText) {
  boost::asio::io_context io;
  SleepFunction sleep(io.get_executor());
  std::vector<RecordResult> results;
  auto started = std::chrono::steady_clock::now();
  sleep.Invoke(Event({RecordWithSeconds("1")}), InvocationContext{"c", 300s},
               [&results](std::vector<RecordResult> r) { results = std::move(r); });
  io.run();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].results, boost::json::value("I slept for 1 seconds"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
}

TEST(SleepFunctionTest, SecondsBeyondTheTimeoutFailAtOnce) {
  boost::asio::io_context io;
  SleepFunction sleep(io.get_executor());
  std::vector<RecordResult> results;
  sleep.Invoke(Event({RecordWithSeconds("301")}), InvocationContext{"c", 300s},
               [&results](std::vector<RecordResult> r) { results = std::move(r); });
  ASSERT_EQ(results.size(), 1u);  // no timer was needed
  EXPECT_FALSE(results[0].ok);
  EXPECT_EQ(results[0].error_message, "301 exceeds the timeout of 300 seconds");
}

TEST(SleepFunctionTest, ThousandsOfSleepersShareOneThread) {
  boost::asio::io_context io;
  SleepFunction sleep(io.get_executor());
  std::vector<std::string> records(10000, RecordWithSeconds("1"));
  std::size_t succeeded = 0;
  sleep.Invoke(StreamEvent(std::move(records)), InvocationContext{"c", 300s},
               [&succeeded](std::vector<RecordResult> r) {
                 for (const auto& result : r) succeeded += result.ok ? 1 : 0;
               });
  auto started = std::chrono::steady_clock::now();
  io.run();  // this thread alone runs all 10,000 timers
  EXPECT_EQ(succeeded, 10000u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST(SleepFunctionTest, CancelledInvocationNeverAnswers) {
  boost::asio::io_context io;
  SleepFunction sleep(io.get_executor());
  bool answered = false;
  sleep.Invoke(Event({RecordWithSeconds("60")}), InvocationContext{"c", 300s},
               [&answered](std::vector<RecordResult>) { answered = true; });
  sleep.CancelAll();
  io.run();  // returns at once: the timer was cancelled
  EXPECT_FALSE(answered);
}

TEST(SleepFunctionTest, MissingSecondsIsAFailureNotACrash) {
  boost::asio::io_context io;
  SleepFunction sleep(io.get_executor());
  std::vector<RecordResult> results;
  sleep.Invoke(Event({R"({"dynamodb": {}})", RecordWithSeconds("abc")}), InvocationContext{"c", 300s},
               [&results](std::vector<RecordResult> r) { results = std::move(r); });
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_FALSE(results[1].ok);
}

}  // namespace
}  // namespace jobstream::functions
