// One exec invocation: a process started with the event on its stdin, its stdout gathered as
// the answer (bounded), its stderr logged line by line (its end kept), ended at the timeout
// (SIGTERM to its group, SIGKILL a grace period later) and always reaped.
//
// Everything runs on a strand of the given executor: pipes and the pidfd are watched by Asio's
// reactor, so hundreds of children cost descriptors, not threads.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "functions/child_process.h"
#include "functions/exec_outcome.h"
#include "functions/memory_watch.h"
#include "functions/stderr_log.h"

namespace jobstream::functions {

class ExecInvocation : public std::enable_shared_from_this<ExecInvocation> {
 public:
  // How long a process may outlive the SIGTERM sent at its timeout before its group is killed.
  static constexpr std::chrono::seconds kKillGrace{2};
  // After the process is reaped, how long its pipes may stay open (held by a process that left
  // its group) before the answer is taken as it is.
  static constexpr std::chrono::seconds kDrainLimit{1};

  using Done = std::function<void(ExecOutput)>;

  // memory_limit_bytes: the group is killed once its resident memory passes it (0: no limit).
  ExecInvocation(const boost::asio::any_io_executor& executor, std::string request_id,
                 std::chrono::milliseconds timeout, std::shared_ptr<StderrLog> log,
                 std::uint64_t memory_limit_bytes = 0);

  // Starts the process (on the strand) and calls `done` once with what it produced, on the
  // strand; never, if Abandon came first.
  void Start(SpawnRequest request, std::string payload, Done done);
  // Shutdown, from any thread: `done` is never called after Abandon, which SIGKILLs the group;
  // ReapAbandoned then waits (briefly) for the group to end and reaps it.
  void Abandon();
  void ReapAbandoned();

  const std::string& request_id() const { return output_.request_id; }

 private:
  void Spawn(const SpawnRequest& request);
  void WriteStdin();
  void ReadStdout();
  void ReadStderr();
  void WaitForExit();
  void WaitForGroup();
  void OnTimer();
  void OnOutOfMemory();
  void StopWatchingMemory();
  void OnStderr(std::string_view data);
  void MaybeFinish();
  void Finish();
  bool Abandoned();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  const std::chrono::milliseconds timeout_;
  const std::uint64_t memory_limit_bytes_;
  std::shared_ptr<StderrLog> log_;

  std::mutex mutex_;                             // between the strand and Abandon; held while answering
  std::unique_ptr<ChildProcess> child_;          // GUARDED_BY(mutex_) while set; set once by Spawn
  bool abandoned_ = false;                       // GUARDED_BY(mutex_)
  std::optional<MemoryWatch::Id> memory_watch_;  // GUARDED_BY(mutex_)

  // Strand-confined.
  boost::asio::posix::stream_descriptor stdin_;
  boost::asio::posix::stream_descriptor stdout_;
  boost::asio::posix::stream_descriptor stderr_;
  boost::asio::posix::stream_descriptor exited_;  // the pidfd: readable once the process exits
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer group_timer_;  // polls for the group's last processes to be reaped
  enum class Phase { kRunning, kTerminating, kDraining, kDone } phase_ = Phase::kRunning;
  std::string payload_;
  std::array<char, 16384> buffer_{};
  std::array<char, 4096> stderr_buffer_{};
  std::string stderr_line_;  // a line not yet ended
  bool stdout_open_ = false;
  bool stderr_open_ = false;
  bool reaped_ = false;
  bool group_reaped_ = false;
  ExecOutput output_;
  Done done_;
};

}  // namespace jobstream::functions
