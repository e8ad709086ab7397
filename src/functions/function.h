// The function interface: what a consumer invokes with a batch of stream records.
//
// A function receives records in the DynamoDB Streams event shape and answers one result per
// record. Invoke never blocks; it completes through `done`, so a function can equally be an
// in-process timer (sleep), a coroutine, or a separate process spoken to over a pipe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace jobstream::functions {

struct RecordResult {
  bool ok = true;
  boost::json::value results;  // on success: what the consumer writes as the job's results
  std::string error_type;      // on failure, as Lambda reports errors
  std::string error_message;

  static RecordResult Success(boost::json::value value) { return {true, std::move(value), {}, {}}; }
  static RecordResult Failure(std::string type, std::string message) {
    return {false, nullptr, std::move(type), std::move(message)};
  }
};

struct InvocationContext {
  std::string consumer_name;
  std::chrono::milliseconds timeout{300000};  // the function's configured timeout
};

// Called exactly once with one result per record, in record order, from any thread.
using InvocationDone = std::function<void(std::vector<RecordResult>)>;

// Thread-safety: Invoke may be called concurrently; Cancel is called on shutdown.
class Function {
 public:
  virtual ~Function() = default;
  virtual void Invoke(std::vector<boost::json::value> records, const InvocationContext& context,
                      InvocationDone done) = 0;
  // Abandons in-flight invocations (their `done` is never called); used at shutdown.
  virtual void CancelAll() {}
};

// Creates a function bound to the executor its timers and I/O run on.
using FunctionFactory = std::function<std::unique_ptr<Function>(boost::asio::any_io_executor executor)>;

}  // namespace jobstream::functions
