// One Lambda worker's process: started in a group of its own (child_process.h), its stdout and
// stderr logged line by line (Lambda sends both to the log stream) with the invocation it is
// serving, and its end reported once the leader and the rest of its group are reaped.
//
// Lives on one single-threaded io_context (the function's); Kill and KillAndReap may be called
// from any thread.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "functions/child_process.h"
#include "functions/stderr_log.h"

namespace jobstream::functions {

class WorkerProcess : public std::enable_shared_from_this<WorkerProcess> {
 public:
  using Exited = std::function<void(ExitStatus)>;
  // The label for a logged line: the request id being served, or "init".
  using Label = std::function<std::string()>;

  WorkerProcess(boost::asio::io_context& io, std::shared_ptr<StderrLog> log, Label label);

  // Starts the process; `on_exit` is called once on the io thread when the process and its group
  // are gone (never after KillAndReap). Fails with the errno text when it cannot be executed.
  Status Start(const SpawnRequest& request, Exited on_exit);
  pid_t pid() const { return pid_; }
  // SIGKILLs the group (e.g. at an invocation's timeout); the exit follows as usual.
  void Kill();
  // Shutdown: SIGKILLs the group, reaps it, and never calls on_exit.
  void KillAndReap();
  // The end of what it wrote (stdout and stderr) since the last call.
  std::string TakeOutputTail();
  // On the io thread: reads whatever the pipes hold now, so that everything the process wrote
  // before a request it sent (e.g. its error's log line before POST …/error) is in the tail.
  void DrainOutput();

 private:
  void Read(boost::asio::posix::stream_descriptor& pipe, std::array<char, 4096>& buffer, std::string& line);
  // Reads until the pipe is empty; false once it has ended (closed).
  bool Consume(boost::asio::posix::stream_descriptor& pipe, std::array<char, 4096>& buffer, std::string& line);
  void WaitForExit();
  void WaitForGroup(ExitStatus status);

  boost::asio::io_context& io_;
  std::shared_ptr<StderrLog> log_;
  Label label_;
  pid_t pid_ = -1;  // set by Start

  std::mutex mutex_;
  std::unique_ptr<ChildProcess> child_;  // GUARDED_BY(mutex_) once set
  bool stopped_ = false;                 // GUARDED_BY(mutex_): KillAndReap was called
  std::string tail_;                     // GUARDED_BY(mutex_)

  // io-thread only.
  boost::asio::posix::stream_descriptor stdout_;
  boost::asio::posix::stream_descriptor stderr_;
  boost::asio::posix::stream_descriptor exited_;
  boost::asio::steady_timer timer_;
  std::array<char, 4096> stdout_buffer_{};
  std::array<char, 4096> stderr_buffer_{};
  std::string stdout_line_;
  std::string stderr_line_;
  Exited on_exit_;
};

}  // namespace jobstream::functions
