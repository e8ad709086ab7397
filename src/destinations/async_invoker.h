// Runs the delivery queue's invocations: Lambda's asynchronous invocation, for the functions
// topics invoke (error handlers). Each invocation gets the event its queue entry holds; a failed
// one is retried after retry_delay, doubled each time, up to the function's async.max_retries;
// one older than async.max_event_age is not invoked again. What is given up goes, as Lambda's
// invocation record, to the function's async.on_failure bus (event_bus.h), or else is logged.
// At least once: an invocation interrupted by a restart runs again.
//
// All state lives on one strand; queue reads and writes are small synchronous SQLite calls made
// there (the queue holds failures only, so they are rare).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <string>

#include "common/rate_limited_log.h"
#include "destinations/delivery_queue.h"
#include "destinations/event_bus.h"
#include "functions/function.h"

namespace jobstream::destinations {

class AsyncInvoker {
 public:
  struct Target {
    std::shared_ptr<functions::Function> function;
    functions::FunctionConfig config;
  };
  // `buses`: by name, the buses functions' async.on_failure may name (they outlive the invoker).
  AsyncInvoker(DeliveryQueue& queue, std::map<std::string, Target> targets, std::map<std::string, EventBus*> buses,
               AwsAccount account, boost::asio::io_context& io);

  // Starts taking due invocations (and whenever the queue gains some).
  void Start();
  // No new invocations; running ones are abandoned (they run again after a restart). Blocks.
  void Stop();

 private:
  void Wake();
  void Run(QueuedInvocation invocation);
  void OnResult(const QueuedInvocation& invocation, const functions::RecordResult& result);
  // `result`: the last invocation's failure (null when it never ran).
  void GiveUp(const QueuedInvocation& invocation, std::string_view condition, std::string_view error,
              const functions::RecordResult* result = nullptr);
  void ArmTimer(std::chrono::milliseconds delay);

  DeliveryQueue& queue_;
  const std::map<std::string, Target> targets_;
  const std::map<std::string, EventBus*> buses_;
  const AwsAccount account_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  // Strand-confined.
  boost::asio::steady_timer timer_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  RateLimitedLog failures_{spdlog::level::warn, std::chrono::seconds(1)};
  RateLimitedLog store_errors_{spdlog::level::err};
};

}  // namespace jobstream::destinations
