#include "functions/exec_outcome.h"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <array>

namespace jobstream::functions {
namespace {

constexpr std::size_t kMaxResultDepth = 32;

// Length of the valid UTF-8 sequence starting at text[i], or 0 when there is none.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
  auto byte = [&text](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    unsigned char next = byte(i + k);
    if (k == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) return 0;
  }
  return length;
}

}  // namespace

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string SignalName(int signal) {
  static constexpr std::array<std::string_view, 32> kNames = {
      "",
      "hangup",
      "interrupt",
      "quit",
      "illegal instruction",
      "trace/breakpoint trap",
      "aborted",
      "bus error",
      "floating point exception",
      "killed",
      "user defined signal 1",
      "segmentation fault",
      "user defined signal 2",
      "broken pipe",
      "alarm clock",
      "terminated",
      "stack fault",
      "child exited",
      "continued",
      "stopped (signal)",
      "stopped",
      "stopped (tty input)",
      "stopped (tty output)",
      "urgent I/O condition",
      "CPU time limit exceeded",
      "file size limit exceeded",
      "virtual timer expired",
      "profiling timer expired",
      "window changed",
      "I/O possible",
      "power failure",
      "bad system call",
  };
  if (signal > 0 && static_cast<std::size_t>(signal) < kNames.size()) {
    return std::string(kNames[static_cast<std::size_t>(signal)]);
  }
  return fmt::format("signal {}", signal);
}

boost::json::value ResultValue(std::string_view stdout_text) {
  if (stdout_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return nullptr;
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxResultDepth;
  boost::json::value value = boost::json::parse(stdout_text, ec, {}, options);
  if (!ec) return value;
  std::string_view text = stdout_text;
  if (text.ends_with('\n')) text.remove_suffix(1);
  return boost::json::string(ValidUtf8(text));
}

RecordResult ExecOutcome(const ExecOutput& output) {
  std::string stderr_tail = ValidUtf8(output.stderr_tail);
  auto fail = [&stderr_tail](std::string type, std::string message) {
    return RecordResult::Failure(std::move(type), std::move(message), stderr_tail);
  };
  if (!output.spawn_error.empty()) {
    return fail("Runtime.InvalidEntrypoint",
                fmt::format("RequestId: {} Error: fork/exec: {}", output.request_id, output.spawn_error));
  }
  if (output.out_of_memory) {  // Lambda's words for a function killed past its memory
    return fail("Runtime.OutOfMemory",
                fmt::format("RequestId: {} Error: Runtime exited with error: signal: killed", output.request_id));
  }
  if (output.timed_out) {
    double seconds = std::chrono::duration<double>(output.timeout).count();
    return fail("Sandbox.Timedout",
                fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds", output.request_id, seconds));
  }
  if (output.response_too_large) {
    return fail(
        "Function.ResponseSizeTooLarge",
        fmt::format("Response payload size exceeded maximum allowed payload size ({} bytes).", kMaxResponseBytes));
  }
  if (!output.exit) {
    return fail("Runtime.ExitError",
                fmt::format("RequestId: {} Error: Runtime exited without a status", output.request_id));
  }
  if (output.exit->signalled) {
    return fail("Runtime.ExitError",
                fmt::format("RequestId: {} Error: Runtime exited with error: signal: {}{}", output.request_id,
                            SignalName(output.exit->code), output.exit->core_dumped ? " (core dumped)" : ""));
  }
  if (output.exit->code != 0) {
    // A handler's error, as Lambda's runtimes report one: {"errorType", "errorMessage"} on stdout.
    boost::json::value answer = ResultValue(output.stdout_text);
    const boost::json::object* error = answer.if_object();
    const boost::json::value* message = error != nullptr ? error->if_contains("errorMessage") : nullptr;
    if (message != nullptr && message->is_string()) {
      const boost::json::value* type = error->if_contains("errorType");
      return fail(type != nullptr && type->is_string() ? std::string(type->as_string()) : std::string("Unhandled"),
                  std::string(message->as_string()));
    }
    return fail("Runtime.ExitError", fmt::format("RequestId: {} Error: Runtime exited with error: exit status {}",
                                                 output.request_id, output.exit->code));
  }
  return RecordResult::Success(ResultValue(output.stdout_text));
}

}  // namespace jobstream::functions
