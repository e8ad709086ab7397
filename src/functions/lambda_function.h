// The lambda runtime: a pool of long-lived worker processes that take invocations over the
// Lambda Runtime API (runtime_api.h), so code written for AWS Lambda (a custom runtime's
// bootstrap, a runtime interface client, the shipped runtimes/python) runs unchanged.
//
// Each worker has a Runtime API listener of its own on 127.0.0.1 (AWS_LAMBDA_RUNTIME_API) that
// serves only connections from the worker's own process group (peer_process.h). A worker holds
// at most one invocation; invocations wait in a FIFO of at most kMaxQueued for a worker polling
// /next. The timeout runs from the delivery: then the invocation fails with Lambda's
// "Task timed out" and the worker is killed and started again. A worker that dies fails the
// invocation it held (Runtime.ExitError); one that dies or reports an init error before its
// first /next fails the oldest waiting invocation (Runtime.InitError) and is started again
// after a growing pause. Each worker gets its role's temporary credentials at its start and is
// replaced between invocations before they expire (function_credentials.h). A worker whose
// group's resident memory passes memory_mb is killed (memory_watch.h): its invocation fails with
// Runtime.OutOfMemory and it is started again. Thread-safe.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "functions/function.h"
#include "functions/lambda_host.h"
#include "functions/memory_watch.h"
#include "functions/runtime_api.h"
#include "functions/stderr_log.h"
#include "functions/worker_process.h"
#include "http/server.h"

namespace jobstream::functions {

class LambdaFunction final : public Function {
 public:
  static constexpr std::size_t kMaxQueued = 10000;
  static constexpr std::chrono::milliseconds kFirstRestartDelay{100};
  static constexpr std::chrono::milliseconds kMaxRestartDelay{5000};

  // Checks the code directory, layers and command, binds a listener per worker, and starts the
  // workers once the host knows the server's URL.
  static Result<std::unique_ptr<Function>> Create(const FunctionConfig& config, std::shared_ptr<LambdaHost> host);
  ~LambdaFunction() override;

  void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) override;
  // Kills and reaps every worker; drops waiting invocations unanswered.
  void CancelAll() override;
  bool EnforcesTimeout() const override { return true; }

 private:
  struct Pending {
    std::string request_id;
    std::string payload;
    std::size_t records = 0;
    std::chrono::milliseconds timeout{0};
    InvocationDone done;
  };

  enum class Phase {
    kDown,      // no process (not started yet, or waiting to be started again)
    kStarting,  // started, has not asked for an invocation yet
    kReady,     // between invocations, not polling
    kPolling,   // a /next is waiting
    kBusy,      // holds an invocation
  };

  struct Worker;
  class Api;  // one worker's RuntimeApiBackend

  LambdaFunction(FunctionConfig config, std::shared_ptr<LambdaHost> host, SpawnRequest request);
  Status Bind();
  void StartAll();
  void Spawn(std::size_t index);
  void OnExit(std::size_t index, std::uint64_t generation, ExitStatus status);
  void ScheduleRestart(std::size_t index);
  // Replaces worker `index` (of `generation`) once its credentials expiring at `expiration` are
  // too close to their end for an invocation (CredentialRefreshMargin): at once when idle,
  // else at its next /next.
  void ScheduleRecycle(std::size_t index, std::uint64_t generation, std::chrono::system_clock::time_point expiration);
  void OnCredentialsDue(std::size_t index, std::uint64_t generation);
  // Worker `index` (of `generation`) passed memory_mb: killed, its invocation fails as Lambda's
  // Runtime.OutOfMemory.
  void OnOutOfMemory(std::size_t index, std::uint64_t generation, std::uint64_t resident_bytes);
  // Marks the worker as ending for that reason; returns its process for the caller to kill.
  std::shared_ptr<WorkerProcess> RecycleLocked(Worker& worker);
  // Hands `pending` to polling worker `index`; returns the answer for its /next.
  http::Response DeliverLocked(std::size_t index, Pending pending);
  void OnTimeout(std::size_t index, std::uint64_t generation, std::string request_id);
  void DrainOutput(Worker& worker);

  void Next(std::size_t index, http::Respond respond);
  void Response(std::size_t index, std::string_view request_id, const std::string& body, bool too_large,
                const http::Respond& respond);
  void Error(std::size_t index, std::string_view request_id, const ReportedError& error, const http::Respond& respond);
  void InitError(std::size_t index, ReportedError error, const http::Respond& respond);
  // Answers a worker's /response or /error: its invocation ends with outcome(output tail) and the
  // worker gets `accepted`; an id it does not hold gets InvalidRequestID, or InvalidStateTransition
  // when it was the one just answered.
  void Complete(std::size_t index, std::string_view request_id, std::string_view transition,
                const std::function<RecordResult(std::string)>& outcome, http::Response accepted,
                const http::Respond& respond);
  // Ends worker `index`'s invocation `request_id` with `result`: false when it holds no such one.
  bool FinishLocked(Worker& worker, std::string_view request_id, InvocationDone& done, std::size_t& records);

  // Constant after construction.
  const FunctionConfig config_;
  const std::shared_ptr<LambdaHost> host_;
  const std::string function_arn_;
  SpawnRequest request_;  // without the per-worker AWS_LAMBDA_RUNTIME_API; completed in StartAll
  const std::shared_ptr<StderrLog> log_;

  boost::asio::io_context io_{1};                 // the workers' listeners, pipes and timers
  std::vector<std::unique_ptr<Worker>> workers_;  // the vector is constant after Create
  std::thread thread_;                            // runs io_ once started
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  const std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for the host's start callback

  std::mutex mutex_;
  std::deque<Pending> queue_;  // GUARDED_BY(mutex_)
  bool cancelled_ = false;     // GUARDED_BY(mutex_)
  bool started_ = false;       // GUARDED_BY(mutex_)
};

}  // namespace jobstream::functions
