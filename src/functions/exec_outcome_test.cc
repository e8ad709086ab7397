#include "functions/exec_outcome.h"

#include <gtest/gtest.h>

#include <csignal>

namespace jobstream::functions {
namespace {

using namespace std::chrono_literals;

ExecOutput Exited(int code, std::string stdout_text = {}) {
  ExecOutput output;
  output.request_id = "req-1";
  output.exit = ExitStatus{false, code, false};
  output.stdout_text = std::move(stdout_text);
  return output;
}

TEST(ExecOutcomeTest, StdoutThatIsJsonIsTheResultAsJson) {
  RecordResult result = ExecOutcome(Exited(0, "{\"slept\": 2}\n"));
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.results, boost::json::value({{"slept", 2}}));
  EXPECT_EQ(ExecOutcome(Exited(0, "\"I slept for 2 seconds\"")).results, boost::json::value("I slept for 2 seconds"));
}

TEST(ExecOutcomeTest, AnythingElseIsAStringWithoutItsLastNewline) {
  EXPECT_EQ(ExecOutcome(Exited(0, "hello world\n")).results, boost::json::value("hello world"));
  EXPECT_EQ(ExecOutcome(Exited(0, "two\nlines\n\n")).results, boost::json::value("two\nlines\n"));
  EXPECT_EQ(ExecOutcome(Exited(0, "bad \xff byte")).results, boost::json::value("bad \xEF\xBF\xBD byte"));
  EXPECT_TRUE(ExecOutcome(Exited(0, "")).results.is_null());
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_TRUE(ExecOutcome(Exited(0, deep)).results.is_string()) << "deeper than a job may nest: kept as text";
}

TEST(ExecOutcomeTest, FailuresUseLambdasErrorTypesAndMessages) {
  RecordResult exit = ExecOutcome(Exited(2));
  EXPECT_FALSE(exit.ok);
  EXPECT_EQ(exit.error_type, "Runtime.ExitError");
  EXPECT_EQ(exit.error_message, "RequestId: req-1 Error: Runtime exited with error: exit status 2");

  ExecOutput segv = Exited(0);
  segv.exit = ExitStatus{true, SIGSEGV, false};
  segv.stderr_tail = "about to crash\n";
  RecordResult crashed = ExecOutcome(segv);
  EXPECT_EQ(crashed.error_type, "Runtime.ExitError");
  EXPECT_EQ(crashed.error_message, "RequestId: req-1 Error: Runtime exited with error: signal: segmentation fault");
  EXPECT_EQ(crashed.error_stderr, "about to crash\n");
  segv.exit->core_dumped = true;
  EXPECT_EQ(ExecOutcome(segv).error_message,
            "RequestId: req-1 Error: Runtime exited with error: signal: segmentation fault (core dumped)");

  ExecOutput timed_out = Exited(0);
  timed_out.exit = ExitStatus{true, SIGTERM, false};
  timed_out.timed_out = true;
  timed_out.timeout = 2500ms;
  RecordResult timeout = ExecOutcome(timed_out);
  EXPECT_EQ(timeout.error_type, "Sandbox.Timedout");
  EXPECT_EQ(timeout.error_message, "RequestId: req-1 Error: Task timed out after 2.50 seconds");

  ExecOutput large = Exited(0);
  large.response_too_large = true;
  RecordResult too_large = ExecOutcome(large);
  EXPECT_EQ(too_large.error_type, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(too_large.error_message, "Response payload size exceeded maximum allowed payload size (6291556 bytes).");

  ExecOutput missing;
  missing.request_id = "req-2";
  missing.spawn_error = "No such file or directory";
  EXPECT_EQ(ExecOutcome(missing).error_type, "Runtime.InvalidEntrypoint");
}

TEST(ExecOutcomeTest, AnErrorWrittenToStdoutBeforeFailingIsTheHandlersError) {
  RecordResult typed = ExecOutcome(
      Exited(1, R"({"errorType": "TimeoutExceeded", "errorMessage": "301 exceeds the timeout of 300 seconds"})"));
  EXPECT_FALSE(typed.ok);
  EXPECT_EQ(typed.error_type, "TimeoutExceeded");
  EXPECT_EQ(typed.error_message, "301 exceeds the timeout of 300 seconds");
  EXPECT_EQ(ExecOutcome(Exited(1, R"({"errorMessage": "no type"})")).error_type, "Unhandled");
  // Exit 0 makes the same text a result, and a non-zero exit without it stays a runtime error.
  EXPECT_TRUE(ExecOutcome(Exited(0, R"({"errorMessage": "just data"})")).ok);
  EXPECT_EQ(ExecOutcome(Exited(1, R"({"message": "x"})")).error_type, "Runtime.ExitError");
}

TEST(ExecOutcomeTest, SignalNamesAreGos) {
  EXPECT_EQ(SignalName(SIGKILL), "killed");
  EXPECT_EQ(SignalName(SIGABRT), "aborted");
  EXPECT_EQ(SignalName(SIGTERM), "terminated");
  EXPECT_EQ(SignalName(64), "signal 64");
}

TEST(ExecOutcomeTest, ValidUtf8KeepsValidTextAndReplacesTheRest) {
  EXPECT_EQ(ValidUtf8("plain é ✓ 😀"), "plain é ✓ 😀");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // an overlong '/'
  EXPECT_EQ(ValidUtf8("cut \xE2\x9C"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace jobstream::functions
