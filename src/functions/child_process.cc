#include "functions/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <thread>

namespace jobstream::functions {
namespace {

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

void CloseIfOpen(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// A pipe whose ends are closed on exec; the child gets its end through dup2, which clears that.
struct Pipe {
  std::array<int, 2> fds{-1, -1};  // [0] read, [1] write
  bool Open() { return ::pipe2(fds.data(), O_CLOEXEC) == 0; }
  ~Pipe() {
    CloseIfOpen(fds[0]);
    CloseIfOpen(fds[1]);
  }
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

bool SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// posix_spawn's attribute and file-action objects, destroyed on every path out.
struct SpawnSetup {
  posix_spawnattr_t attributes{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

ExitStatus FromSiginfo(const siginfo_t& info) {
  ExitStatus status;
  status.signalled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  status.core_dumped = info.si_code == CLD_DUMPED;
  status.code = info.si_status;
  return status;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const SpawnRequest& request) {
  if (request.argv.empty()) return Status::InvalidArgument("empty command");
  static std::once_flag subreaper;
  std::call_once(subreaper, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); });
  Pipe in;
  Pipe out;
  Pipe err;
  if (!in.Open() || !out.Open() || !err.Open()) return Status::IOError("cannot create a pipe: " + ErrnoText(errno));

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in.fds[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.fds[1], STDERR_FILENO);
  if (!request.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, request.working_dir.c_str());
  }
  // Sockets and files the server opened without close-on-exec (Asio's sockets among them) must
  // not leak into the function: a child holding a client's connection would keep it open.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);  // the server ignores SIGPIPE; the function gets every default back
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setpgroup(&setup.attributes, 0);  // a group of its own, led by the child
  posix_spawnattr_setflags(&setup.attributes,
                           static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

  std::vector<char*> argv;
  argv.reserve(request.argv.size() + 1);
  for (const std::string& word : request.argv) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(request.environment.size() + 1);
  for (const std::string& entry : request.environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  bool search_path = request.argv.front().find('/') == std::string::npos;
  int error = search_path ? ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attributes, argv.data(), envp.data())
                          : ::posix_spawn(&pid, argv[0], &setup.actions, &setup.attributes, argv.data(), envp.data());
  if (error != 0) return Status::InvalidArgument(ErrnoText(error));

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  // Not reaped yet, so the pid cannot have been reused: the pidfd is this child's.
  child->pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (child->pidfd_ < 0) {
    int open_error = errno;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    child->pid_ = -1;
    return Status::IOError("pidfd_open: " + ErrnoText(open_error));
  }
  child->stdin_fd_ = std::exchange(in.fds[1], -1);
  child->stdout_fd_ = std::exchange(out.fds[0], -1);
  child->stderr_fd_ = std::exchange(err.fds[0], -1);
  SetNonBlocking(child->stdin_fd_);
  SetNonBlocking(child->stdout_fd_);
  SetNonBlocking(child->stderr_fd_);
  return child;  // the child's ends close with the Pipes
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) KillAndReap(std::chrono::seconds(5));  // no-op when it has ended and been reaped
  std::lock_guard lock(mutex_);
  CloseIfOpen(pidfd_);
  CloseIfOpen(stdin_fd_);
  CloseIfOpen(stdout_fd_);
  CloseIfOpen(stderr_fd_);
}

int ChildProcess::TakeExitNotifier() {
  std::lock_guard lock(mutex_);
  if (pidfd_ < 0) return -1;
  return ::fcntl(pidfd_, F_DUPFD_CLOEXEC, 0);
}

void ChildProcess::SignalGroup(int signal) {
  std::lock_guard lock(mutex_);
  if (exit_status_ || pid_ <= 0) return;  // reaped: the group's id may belong to others now
  ::kill(-pid_, signal);
}

std::optional<ExitStatus> ChildProcess::TryReap() {
  std::lock_guard lock(mutex_);
  return ReapLocked(false);
}

std::optional<ExitStatus> ChildProcess::KillAndReap(std::chrono::milliseconds limit) {
  std::lock_guard lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + limit;
  if (!exit_status_ && pidfd_ >= 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it left its group
    pollfd exited{pidfd_, POLLIN, 0};
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      int ready = ::poll(&exited, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
      if (ready >= 0 || errno != EINTR || left.count() <= 0) break;
    }
    ReapLocked(false);
  }
  if (!exit_status_) return std::nullopt;
  while (!ReapGroupLocked() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // SIGKILLed: gone within moments
  }
  return exit_status_;
}

bool ChildProcess::ReapGroup() {
  std::lock_guard lock(mutex_);
  return ReapGroupLocked();
}

bool ChildProcess::ReapGroupLocked() {
  if (group_reaped_) return true;
  if (!exit_status_ || pid_ <= 0) return false;
  // A process reparents its orphans before it can be reaped, so once no child of ours is left in
  // the group, nothing of the group is left at all (bar one that moved to a group of its own).
  for (;;) {
    pid_t reaped = ::waitpid(-pid_, nullptr, WNOHANG);
    if (reaped > 0) continue;
    if (reaped == 0) {
      ::kill(-pid_, SIGKILL);  // still running: the group's id is held by them, not reused
      return false;
    }
    if (errno == EINTR) continue;
    group_reaped_ = true;  // ECHILD: none left
    return true;
  }
}

std::optional<ExitStatus> ChildProcess::ReapLocked(bool wait) {
  if (exit_status_) return exit_status_;
  if (pidfd_ < 0) return std::nullopt;
  siginfo_t info{};
  // WNOWAIT first: the leader stays a zombie, which keeps its group's id from being reused while
  // the rest of the group is killed.
  int flags = WEXITED | WNOWAIT | (wait ? 0 : WNOHANG);
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_), &info, flags) != 0) {
    if (errno != ECHILD) return std::nullopt;
    exit_status_ = ExitStatus{true, SIGKILL, false};  // reaped elsewhere: nothing more to learn
  } else if (info.si_pid == 0) {
    return std::nullopt;  // still running
  } else {
    ::kill(-pid_, SIGKILL);  // whatever it started ends with it
    siginfo_t reaped{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_), &reaped, WEXITED);
    exit_status_ = FromSiginfo(info);
  }
  CloseIfOpen(pidfd_);
  return exit_status_;
}

}  // namespace jobstream::functions
