#include "functions/worker_process.h"

#include <unistd.h>

#include <csignal>

#include "functions/exec_outcome.h"

namespace jobstream::functions {

WorkerProcess::WorkerProcess(boost::asio::io_context& io, std::shared_ptr<StderrLog> log, Label label)
    : io_(io), log_(std::move(log)), label_(std::move(label)), stdout_(io), stderr_(io), exited_(io), timer_(io) {}

Status WorkerProcess::Start(const SpawnRequest& request, Exited on_exit) {
  auto child = ChildProcess::Spawn(request);
  if (!child.ok()) return child.error();
  std::lock_guard lock(mutex_);
  child_ = std::move(child).value();
  pid_ = child_->pid();
  on_exit_ = std::move(on_exit);
  if (int in = child_->TakeStdin(); in >= 0) ::close(in);  // workers read no stdin
  auto adopt = [](boost::asio::posix::stream_descriptor& descriptor, int fd) {
    boost::system::error_code ec;
    descriptor.assign(fd, ec);
    if (ec && fd >= 0) ::close(fd);
    if (!ec) descriptor.non_blocking(true, ec);  // read until empty (Consume), never wait in read
  };
  adopt(stdout_, child_->TakeStdout());
  adopt(stderr_, child_->TakeStderr());
  adopt(exited_, child_->TakeExitNotifier());
  Read(stdout_, stdout_buffer_, stdout_line_);
  Read(stderr_, stderr_buffer_, stderr_line_);
  WaitForExit();
  return Status::Ok();
}

// The pipes are read by this code only, on the io thread: a readiness wait, then non-blocking
// reads until the pipe is empty. (async_read_some would let the reactor take bytes whose handler
// runs later, so DrainOutput could not know it had everything.)
void WorkerProcess::Read(boost::asio::posix::stream_descriptor& pipe, std::array<char, 4096>& buffer,
                         std::string& line) {
  if (!pipe.is_open()) return;
  pipe.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                  [self = shared_from_this(), &pipe, &buffer, &line](const boost::system::error_code& ec) {
                    if (ec) return;  // closed: WaitForGroup or KillAndReap
                    if (self->Consume(pipe, buffer, line)) self->Read(pipe, buffer, line);
                  });
}

bool WorkerProcess::Consume(boost::asio::posix::stream_descriptor& pipe, std::array<char, 4096>& buffer,
                            std::string& line) {
  for (;;) {
    if (!pipe.is_open()) return false;
    boost::system::error_code ec;
    std::size_t read = pipe.read_some(boost::asio::buffer(buffer), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) return true;
    std::string_view data(buffer.data(), read);
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return false;
      tail_.append(data);
      if (tail_.size() > 2 * kStderrTailBytes) tail_.erase(0, tail_.size() - kStderrTailBytes);
    }
    std::string label = label_();
    while (!data.empty()) {
      auto newline = data.find('\n');
      if (newline == std::string_view::npos) {
        line.append(data.substr(0, StderrLog::kMaxLineBytes - std::min(line.size(), StderrLog::kMaxLineBytes)));
        break;
      }
      line.append(data.substr(0, newline));
      log_->Line(label, ValidUtf8(line));
      line.clear();
      data.remove_prefix(newline + 1);
    }
    if (ec) {  // the end of the pipe (or an error): what is left of a line is logged
      if (!line.empty()) log_->Line(label, ValidUtf8(line));
      line.clear();
      boost::system::error_code ignored;
      pipe.close(ignored);
      return false;
    }
  }
}

void WorkerProcess::DrainOutput() {
  Consume(stdout_, stdout_buffer_, stdout_line_);
  Consume(stderr_, stderr_buffer_, stderr_line_);
}

void WorkerProcess::WaitForExit() {
  exited_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       std::optional<ExitStatus> status;
                       {
                         std::lock_guard lock(self->mutex_);
                         if (self->stopped_) return;
                         status = self->child_->TryReap();
                       }
                       if (!status) {
                         if (!ec) return self->WaitForExit();
                         self->timer_.expires_after(std::chrono::milliseconds(50));
                         self->timer_.async_wait([self](const boost::system::error_code& timer_ec) {
                           if (!timer_ec) self->WaitForExit();
                         });
                         return;
                       }
                       boost::system::error_code ignored;
                       self->exited_.close(ignored);
                       self->WaitForGroup(*status);
                     });
}

void WorkerProcess::WaitForGroup(ExitStatus status) {
  Exited on_exit;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    if (!child_->ReapGroup()) {
      timer_.expires_after(std::chrono::milliseconds(5));
      timer_.async_wait([self = shared_from_this(), status](const boost::system::error_code& ec) {
        if (!ec) self->WaitForGroup(status);
      });
      return;
    }
    on_exit = std::move(on_exit_);
    on_exit_ = nullptr;
  }
  // What the process wrote before it ended is the failure's tail; whatever still holds the pipes
  // left the group, and its output is no longer this worker's.
  DrainOutput();
  boost::system::error_code ignored;
  stdout_.close(ignored);
  stderr_.close(ignored);
  if (on_exit) on_exit(status);
}

void WorkerProcess::Kill() {
  std::lock_guard lock(mutex_);
  if (child_) child_->SignalGroup(SIGKILL);
}

void WorkerProcess::KillAndReap() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  on_exit_ = nullptr;
  if (child_) child_->KillAndReap(std::chrono::seconds(5));
}

std::string WorkerProcess::TakeOutputTail() {
  std::lock_guard lock(mutex_);
  std::string tail = std::move(tail_);
  tail_.clear();
  if (tail.size() > kStderrTailBytes) tail.erase(0, tail.size() - kStderrTailBytes);
  return tail;
}

}  // namespace jobstream::functions
