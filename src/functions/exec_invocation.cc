#include "functions/exec_invocation.h"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <csignal>

namespace jobstream::functions {

ExecInvocation::ExecInvocation(const boost::asio::any_io_executor& executor, std::string request_id,
                               std::chrono::milliseconds timeout, std::shared_ptr<StderrLog> log,
                               std::uint64_t memory_limit_bytes)
    : strand_(boost::asio::make_strand(executor)),
      timeout_(timeout),
      memory_limit_bytes_(memory_limit_bytes),
      log_(std::move(log)),
      stdin_(strand_),
      stdout_(strand_),
      stderr_(strand_),
      exited_(strand_),
      timer_(strand_),
      group_timer_(strand_) {
  output_.request_id = std::move(request_id);
  output_.timeout = timeout;
}

void ExecInvocation::Start(SpawnRequest request, std::string payload, Done done) {
  boost::asio::post(strand_, [self = shared_from_this(), request = std::move(request), payload = std::move(payload),
                              done = std::move(done)]() mutable {
    self->payload_ = std::move(payload);
    self->done_ = std::move(done);
    self->Spawn(request);
  });
}

void ExecInvocation::Spawn(const SpawnRequest& request) {
  {
    std::lock_guard lock(mutex_);
    if (abandoned_) return;
    auto child = ChildProcess::Spawn(request);
    if (!child.ok()) {
      output_.spawn_error = child.error().message();
    } else {
      child_ = std::move(child).value();
      // Registering with the reactor fails only when the server is out of resources; then the
      // descriptor is closed, its reads end at once, and the exit is polled for instead.
      auto adopt = [](boost::asio::posix::stream_descriptor& descriptor, int fd) {
        boost::system::error_code ec;
        descriptor.assign(fd, ec);
        if (ec && fd >= 0) ::close(fd);
      };
      adopt(stdin_, child_->TakeStdin());
      adopt(stdout_, child_->TakeStdout());
      adopt(stderr_, child_->TakeStderr());
      adopt(exited_, child_->TakeExitNotifier());
      if (memory_limit_bytes_ > 0) {
        memory_watch_ =
            MemoryWatch::Shared().Watch(child_->pid(), memory_limit_bytes_,
                                        [weak = weak_from_this(), strand = strand_](std::uint64_t /*resident_bytes*/) {
                                          if (auto self = weak.lock())
                                            boost::asio::post(strand, [self] { self->OnOutOfMemory(); });
                                        });
      }
    }
  }
  if (!output_.spawn_error.empty()) {
    phase_ = Phase::kDone;
    boost::asio::post(strand_, [self = shared_from_this()] { self->Finish(); });
    return;
  }
  stdout_open_ = stderr_open_ = true;
  timer_.expires_after(timeout_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->OnTimer();
  });
  WriteStdin();
  ReadStdout();
  ReadStderr();
  WaitForExit();
}

void ExecInvocation::WriteStdin() {
  boost::asio::async_write(stdin_, boost::asio::buffer(payload_),
                           [self = shared_from_this()](const boost::system::error_code& /*ec*/, std::size_t) {
                             // An error (EPIPE: it never read its input) changes nothing: the
                             // process's exit tells what happened.
                             boost::system::error_code ignored;
                             self->stdin_.close(ignored);
                             std::string().swap(self->payload_);
                           });
}

void ExecInvocation::ReadStdout() {
  stdout_.async_read_some(
      boost::asio::buffer(buffer_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t read) {
        if (self->Abandoned()) return;
        if (!self->output_.response_too_large) self->output_.stdout_text.append(self->buffer_.data(), read);
        if (self->output_.stdout_text.size() > kMaxResponseBytes && !self->output_.response_too_large) {
          // The answer cannot be used any more: stop the process rather than read on.
          self->output_.response_too_large = true;
          std::string().swap(self->output_.stdout_text);
          std::lock_guard lock(self->mutex_);
          if (self->child_) self->child_->SignalGroup(SIGKILL);
        }
        if (ec) {
          self->stdout_open_ = false;
          boost::system::error_code ignored;
          self->stdout_.close(ignored);
          self->MaybeFinish();
          return;
        }
        self->ReadStdout();
      });
}

void ExecInvocation::ReadStderr() {
  stderr_.async_read_some(boost::asio::buffer(stderr_buffer_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t read) {
                            if (self->Abandoned()) return;
                            self->OnStderr(std::string_view(self->stderr_buffer_.data(), read));
                            if (ec) {
                              if (!self->stderr_line_.empty())
                                self->log_->Line(self->output_.request_id, ValidUtf8(self->stderr_line_));
                              self->stderr_line_.clear();
                              self->stderr_open_ = false;
                              boost::system::error_code ignored;
                              self->stderr_.close(ignored);
                              self->MaybeFinish();
                              return;
                            }
                            self->ReadStderr();
                          });
}

void ExecInvocation::OnStderr(std::string_view data) {
  std::string& tail = output_.stderr_tail;
  tail.append(data);
  if (tail.size() > 2 * kStderrTailBytes) tail.erase(0, tail.size() - kStderrTailBytes);
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      stderr_line_.append(
          data.substr(0, StderrLog::kMaxLineBytes - std::min(stderr_line_.size(), StderrLog::kMaxLineBytes)));
      return;
    }
    stderr_line_.append(data.substr(0, newline));
    log_->Line(output_.request_id, ValidUtf8(stderr_line_));
    stderr_line_.clear();
    data.remove_prefix(newline + 1);
  }
}

void ExecInvocation::WaitForExit() {
  exited_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (self->Abandoned()) return;
                       std::optional<ExitStatus> status;
                       {
                         std::lock_guard lock(self->mutex_);
                         status = self->child_->TryReap();
                       }
                       if (!status) {
                         if (!ec) {
                           self->WaitForExit();  // woken early: wait on
                           return;
                         }
                         // No notifier to wait on: look again shortly.
                         self->group_timer_.expires_after(std::chrono::milliseconds(50));
                         self->group_timer_.async_wait([self](const boost::system::error_code& timer_ec) {
                           if (!timer_ec) self->WaitForExit();
                         });
                         return;
                       }
                       self->output_.exit = status;
                       self->reaped_ = true;
                       boost::system::error_code ignored;
                       self->exited_.close(ignored);
                       // The pipes close once the last process holding them is gone; give a
                       // straggler outside the group a moment, not forever.
                       self->phase_ = Phase::kDraining;
                       self->timer_.expires_after(kDrainLimit);
                       self->timer_.async_wait([self](const boost::system::error_code& timer_ec) {
                         if (!timer_ec) self->OnTimer();
                       });
                       self->WaitForGroup();
                     });
}

void ExecInvocation::WaitForGroup() {
  {
    std::lock_guard lock(mutex_);
    group_reaped_ = child_->ReapGroup();
  }
  if (group_reaped_) {
    MaybeFinish();
    return;
  }
  group_timer_.expires_after(std::chrono::milliseconds(5));
  group_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->Abandoned()) self->WaitForGroup();
  });
}

void ExecInvocation::OnOutOfMemory() {
  if (Abandoned() || (phase_ != Phase::kRunning && phase_ != Phase::kTerminating)) return;
  output_.out_of_memory = true;
  std::lock_guard lock(mutex_);
  child_->SignalGroup(SIGKILL);  // the pidfd reports its end, as at a timeout
}

void ExecInvocation::StopWatchingMemory() {
  std::optional<MemoryWatch::Id> watch;
  {
    std::lock_guard lock(mutex_);
    watch.swap(memory_watch_);
  }
  if (watch) MemoryWatch::Shared().Unwatch(*watch);
}

void ExecInvocation::OnTimer() {
  if (Abandoned()) return;
  switch (phase_) {
    case Phase::kRunning: {
      output_.timed_out = true;
      phase_ = Phase::kTerminating;
      {
        std::lock_guard lock(mutex_);
        child_->SignalGroup(SIGTERM);
      }
      timer_.expires_after(kKillGrace);
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->OnTimer();
      });
      return;
    }
    case Phase::kTerminating: {
      std::lock_guard lock(mutex_);
      child_->SignalGroup(SIGKILL);
      return;  // the pidfd reports its end
    }
    case Phase::kDraining:
      Finish();
      return;
    case Phase::kDone:
      return;
  }
}

void ExecInvocation::MaybeFinish() {
  if (reaped_ && group_reaped_ && !stdout_open_ && !stderr_open_) Finish();
}

void ExecInvocation::Finish() {
  if (!done_) return;  // finished already
  StopWatchingMemory();
  // Held while answering: an Abandon() either came first (no answer) or waits for this one.
  std::lock_guard lock(mutex_);
  if (abandoned_) {
    done_ = nullptr;
    return;
  }
  phase_ = Phase::kDone;
  boost::system::error_code ignored;
  timer_.cancel();
  group_timer_.cancel();
  stdin_.close(ignored);
  stdout_.close(ignored);
  stderr_.close(ignored);
  exited_.close(ignored);
  if (output_.stderr_tail.size() > kStderrTailBytes) {
    output_.stderr_tail.erase(0, output_.stderr_tail.size() - kStderrTailBytes);
  }
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(output_));
}

bool ExecInvocation::Abandoned() {
  std::lock_guard lock(mutex_);
  if (!abandoned_) return false;
  boost::system::error_code ignored;
  stdin_.close(ignored);
  stdout_.close(ignored);
  stderr_.close(ignored);
  exited_.close(ignored);
  timer_.cancel();
  group_timer_.cancel();
  done_ = nullptr;
  return true;
}

void ExecInvocation::Abandon() {
  StopWatchingMemory();
  std::lock_guard lock(mutex_);
  abandoned_ = true;
  if (child_) child_->SignalGroup(SIGKILL);
}

void ExecInvocation::ReapAbandoned() {
  std::lock_guard lock(mutex_);
  if (child_) child_->KillAndReap(std::chrono::seconds(5));
}

}  // namespace jobstream::functions
