// The exec runtime: a function that is any executable, one process per invocation, Lambda's
// DynamoDB Streams event on its stdin and its result on stdout (see exec_invocation.h for one
// invocation, exec_outcome.h for what its output means).
//
// At most `concurrency` processes run at once; further invocations wait in a FIFO queue of at
// most kMaxQueued (beyond it an invocation fails at once with Lambda's throttling error and goes
// down the consumer's retry path). The timeout runs from the process's start, not while it
// waits. One ExecFunction serves every consumer that names it. With a host, each process gets
// the function's role credentials (valid for at least its timeout and a margin; see
// function_credentials.h) and the server's address. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "functions/exec_invocation.h"
#include "functions/function.h"
#include "functions/function_config.h"
#include "functions/function_credentials.h"
#include "functions/lambda_host.h"
#include "functions/stderr_log.h"

namespace jobstream::functions {

class ExecFunction final : public Function {
 public:
  static constexpr std::size_t kMaxQueued = 10000;

  // Checks that the command and working directory exist (errors name the setting). Without a
  // host the processes get no credentials (tests).
  static Result<std::unique_ptr<Function>> Create(const FunctionConfig& config, boost::asio::any_io_executor executor,
                                                  std::shared_ptr<LambdaHost> host = nullptr);
  ~ExecFunction() override;

  void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) override;
  // Kills every running process group and reaps its leader before returning; drops the queue.
  void CancelAll() override;
  bool EnforcesTimeout() const override { return true; }

 private:
  struct Waiting {
    StreamEvent event;
    std::chrono::milliseconds timeout;
    InvocationDone done;
  };

  // An invocation given a slot, ready to start outside the lock.
  struct Launch {
    std::shared_ptr<ExecInvocation> invocation;
    SpawnRequest request;
    std::string payload;
    std::size_t records = 0;
    InvocationDone done;
  };

  ExecFunction(FunctionConfig config, boost::asio::any_io_executor executor, std::vector<std::string> environment,
               std::shared_ptr<LambdaHost> host);
  // The role's credentials and the server's address for one invocation of `timeout`.
  std::vector<std::string> InvocationEnvironment(std::chrono::milliseconds timeout);
  Launch TakeSlotLocked(Waiting waiting);
  void Run(Launch launch);
  void OnFinished(std::uint64_t id);

  // Constant after construction.
  const FunctionConfig config_;
  const boost::asio::any_io_executor executor_;
  const std::vector<std::string> environment_;  // "KEY=value", without the per-invocation entries
  const std::shared_ptr<StderrLog> stderr_log_;
  const std::shared_ptr<LambdaHost> host_;              // may be null
  const std::unique_ptr<CredentialCache> credentials_;  // null without a host

  std::mutex mutex_;
  std::deque<Waiting> queue_;                                         // GUARDED_BY(mutex_)
  std::map<std::uint64_t, std::shared_ptr<ExecInvocation>> running_;  // GUARDED_BY(mutex_)
  std::uint64_t next_id_ = 0;                                         // GUARDED_BY(mutex_)
  bool cancelled_ = false;                                            // GUARDED_BY(mutex_)
};

}  // namespace jobstream::functions
