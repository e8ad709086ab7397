// One child process started without a shell, in a process group of its own, with its standard
// streams on pipes, and a pidfd to learn of its exit without a thread or a SIGCHLD handler.
//
// The group matters: a function's command may start processes of its own (a shell script's
// children), and every one of them must end with the invocation. The group is signalled while
// its leader is unreaped, so its id cannot have been reused by then. The server makes itself
// the "child subreaper" of what it spawns (prctl), so the group's other processes, orphaned when
// their parent dies, become its children and are reaped here too, not left as zombies to an
// init that may never reap them.
//
// Thread-safety: every method may be called from any thread (a mutex guards the pid); the
// descriptors handed out by Take*() belong to the caller.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace jobstream::functions {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] without '/' is looked up on PATH
  std::filesystem::path working_dir;
  std::vector<std::string> environment;  // "KEY=value", the whole environment
};

// How a process ended, as waitid reports it.
struct ExitStatus {
  bool signalled = false;
  int code = 0;  // the exit status, or the signal number
  bool core_dumped = false;
};

class ChildProcess {
 public:
  // Starts the process (posix_spawn: no shell, signals reset to default, unblocked, no inherited
  // descriptor but the three pipes). Fails with the errno text if it could not be executed.
  static Result<std::unique_ptr<ChildProcess>> Spawn(const SpawnRequest& request);
  // Kills the group and reaps the leader if that has not happened yet.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's ends (non-blocking, close-on-exec) and a duplicate of the pidfd, which becomes
  // readable when the process exits. Each may be taken once; -1 afterwards.
  int TakeStdin() { return std::exchange(stdin_fd_, -1); }
  int TakeStdout() { return std::exchange(stdout_fd_, -1); }
  int TakeStderr() { return std::exchange(stderr_fd_, -1); }
  int TakeExitNotifier();

  // Sends `signal` to every process of the group; nothing once the leader is reaped.
  void SignalGroup(int signal);
  // Once the leader has exited: kills what is left of its group, reaps the leader and returns
  // how it ended. nullopt while it still runs.
  std::optional<ExitStatus> TryReap();
  // SIGKILLs the group and waits (at most `limit`) for the leader, then reaps it and what was
  // left of its group. For shutdown.
  std::optional<ExitStatus> KillAndReap(std::chrono::milliseconds limit);
  // Once the leader is reaped: reaps the group's ended processes that became ours; true once
  // none is left (false while some still die).
  bool ReapGroup();

 private:
  ChildProcess() = default;
  std::optional<ExitStatus> ReapLocked(bool wait);
  bool ReapGroupLocked();

  std::mutex mutex_;
  pid_t pid_ = -1;
  int pidfd_ = -1;                         // GUARDED_BY(mutex_); closed once reaped
  std::optional<ExitStatus> exit_status_;  // GUARDED_BY(mutex_): set once reaped
  bool group_reaped_ = false;              // GUARDED_BY(mutex_)
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
};

}  // namespace jobstream::functions
