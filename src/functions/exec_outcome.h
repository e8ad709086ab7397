// What an exec invocation produced, and the result it means, in Lambda's words: stdout that is
// JSON is the result as JSON, anything else a string; failures carry Lambda's errorType and
// errorMessage texts (and the end of stderr). A process that exits non-zero after writing
// {"errorType": ..., "errorMessage": ...} to stdout reports that error, as a Lambda handler that
// raises does; any other non-zero exit is Runtime.ExitError.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "functions/child_process.h"
#include "functions/function.h"

namespace jobstream::functions {

// Lambda's limit on a synchronous response, the figure its error message quotes.
inline constexpr std::size_t kMaxResponseBytes = 6291556;
// How much of stderr a failure keeps (its end).
inline constexpr std::size_t kStderrTailBytes = 4096;

struct ExecOutput {
  std::string request_id;
  std::string spawn_error;         // non-empty: the command could not be started
  std::optional<ExitStatus> exit;  // how the process ended (nullopt: it could not be reaped)
  bool timed_out = false;
  bool out_of_memory = false;  // its group's resident memory passed memory_mb: killed
  std::chrono::milliseconds timeout{0};
  bool response_too_large = false;  // stdout passed kMaxResponseBytes
  std::string stdout_text;
  std::string stderr_tail;
};

// The result for every record of the invocation.
RecordResult ExecOutcome(const ExecOutput& output);

// The process's answer as a result: JSON as JSON (nesting at most 32 levels, like a job's
// parameters), otherwise the text as a string without one trailing newline; empty is null.
boost::json::value ResultValue(std::string_view stdout_text);

// A signal's name as Lambda (Go's os/exec) prints it: 11 -> "segmentation fault".
std::string SignalName(int signal);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD, so it can be stored as JSON.
std::string ValidUtf8(std::string_view text);

}  // namespace jobstream::functions
