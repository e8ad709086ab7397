#include "functions/sleep_function.h"

#include <fmt/format.h>

#include <atomic>
#include <charconv>

namespace jobstream::functions {

// One batch: the results gathered as its records wake up.
struct SleepFunction::Invocation {
  std::mutex mutex;
  std::vector<RecordResult> results;  // GUARDED_BY(mutex)
  std::size_t pending = 0;            // GUARDED_BY(mutex)
  InvocationDone done;
  std::atomic<bool> cancelled{false};

  void Complete(std::size_t index, RecordResult result) {
    {
      std::lock_guard lock(mutex);
      results[index] = std::move(result);
    }
    Release();
  }

  // Counts one outstanding part done; the last one delivers every result.
  void Release() {
    InvocationDone finish;
    std::vector<RecordResult> all;
    {
      std::lock_guard lock(mutex);
      if (--pending != 0 || cancelled) return;
      finish = std::move(done);
      all = std::move(results);
    }
    finish(std::move(all));
  }
};

std::int64_t SecondsParameter(const boost::json::value& record) {
  boost::system::error_code ec;
  const boost::json::value* value = record.find_pointer("/dynamodb/NewImage/seconds/N", ec);
  if (value == nullptr || !value->is_string()) return 0;
  std::string_view text = value->as_string();
  std::int64_t seconds = 0;
  auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (parse_error != std::errc() || end != text.data() + text.size()) return 0;
  return seconds;
}

void SleepFunction::Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) {
  auto invocation = std::make_shared<Invocation>();
  invocation->results.resize(event.size());
  invocation->pending = event.size() + 1;  // +1 held until every record is queued
  invocation->done = std::move(done);
  auto timeout_seconds = std::chrono::duration_cast<std::chrono::seconds>(context.timeout).count();
  auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < event.size(); ++i) {
    std::int64_t seconds = SecondsParameter(event.ParseRecord(i));
    if (seconds < 1) {
      invocation->Complete(i, RecordResult::Failure("InvalidParameters", "'seconds' must be an integer of at least 1"));
      continue;
    }
    if (seconds > timeout_seconds) {
      invocation->Complete(
          i, RecordResult::Failure("TimeoutExceeded",
                                   fmt::format("{} exceeds the timeout of {} seconds", seconds, timeout_seconds)));
      continue;
    }
    std::lock_guard lock(mutex_);
    wake_ups_.push(WakeUp{now + std::chrono::seconds(seconds), invocation, i, seconds});
    ArmLocked();
  }
  invocation->Release();
}

void SleepFunction::ArmLocked() {
  if (wake_ups_.empty()) return;
  auto due = wake_ups_.top().due;
  if (armed_ && armed_for_ <= due) return;
  armed_ = true;
  armed_for_ = due;
  std::uint64_t generation = ++generation_;
  timer_.expires_at(due);  // cancels a later wait, whose handler then sees a stale generation
  timer_.async_wait([this, generation](const boost::system::error_code& ec) {
    if (!ec) OnTimer(generation);
  });
}

void SleepFunction::OnTimer(std::uint64_t generation) {
  std::vector<WakeUp> woken;
  {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;  // re-aimed since; another wait is pending
    armed_ = false;
    auto now = std::chrono::steady_clock::now();
    while (!wake_ups_.empty() && wake_ups_.top().due <= now) {
      woken.push_back(wake_ups_.top());
      wake_ups_.pop();
    }
    ArmLocked();
  }
  for (WakeUp& wake_up : woken) {
    if (wake_up.invocation->cancelled) continue;
    wake_up.invocation->Complete(
        wake_up.index,
        RecordResult::Success(boost::json::string(fmt::format("I slept for {} seconds", wake_up.seconds))));
  }
}

void SleepFunction::CancelAll() {
  std::lock_guard lock(mutex_);
  while (!wake_ups_.empty()) {
    wake_ups_.top().invocation->cancelled = true;  // its record is redelivered after a restart
    wake_ups_.pop();
  }
  ++generation_;
  armed_ = false;
  timer_.cancel();
}

}  // namespace jobstream::functions
