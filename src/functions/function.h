// The function interface: what a consumer invokes with a batch of stream records.
//
// A function receives records in the DynamoDB Streams event shape (as stored text, see
// stream_event.h) and answers one result per record. Invoke never blocks; it completes through
// `done`, so a function can equally be an in-process timer (sleep), a coroutine, or a separate
// process spoken to over a pipe (exec_function.h).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "functions/function_config.h"
#include "functions/stream_event.h"

namespace jobstream::functions {

struct RecordResult {
  bool ok = true;
  boost::json::value results;  // on success: what the consumer writes as the job's results
  std::string error_type;      // on failure, as Lambda reports errors
  std::string error_message;
  std::string error_stderr;  // on failure, the end of what a process wrote to stderr (may be empty)

  static RecordResult Success(boost::json::value value) { return {true, std::move(value), {}, {}, {}}; }
  static RecordResult Failure(std::string type, std::string message, std::string stderr_tail = {}) {
    return {false, nullptr, std::move(type), std::move(message), std::move(stderr_tail)};
  }
};

struct InvocationContext {
  std::string consumer_name;
  // The function's timeout (its timeout_seconds, or else the consumer's).
  std::chrono::milliseconds timeout{300000};
};

// Called exactly once with one result per record, in record order, from any thread.
using InvocationDone = std::function<void(std::vector<RecordResult>)>;

// Thread-safety: Invoke may be called concurrently; Cancel is called on shutdown.
class Function {
 public:
  virtual ~Function() = default;
  virtual void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) = 0;
  // Ends every in-flight invocation for good, at shutdown: their `done` is never called (the
  // records, never checkpointed, are redelivered after a restart), and a function running
  // processes has killed and reaped all of them when this returns. Later Invokes never answer.
  virtual void CancelAll() {}
  // True when the function ends an invocation at its timeout itself and reports it (exec does,
  // from when the process starts, not while it waits for a free slot); otherwise the consumer
  // fails the invocation once the timeout has passed.
  virtual bool EnforcesTimeout() const { return false; }
};

// Creates a function from its configuration, bound to the executor its timers and I/O run on;
// fails (naming the setting) when the configuration cannot work, e.g. a command not found.
using FunctionFactory = std::function<Result<std::unique_ptr<Function>>(const FunctionConfig& config,
                                                                        boost::asio::any_io_executor executor)>;

}  // namespace jobstream::functions
