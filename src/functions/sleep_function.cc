#include "functions/sleep_function.h"

#include <fmt/format.h>

#include <atomic>
#include <charconv>

namespace jobstream::functions {

// One batch: a timer per record that sleeps, and the results gathered as they fire.
struct SleepFunction::Invocation {
  std::mutex mutex;
  std::vector<RecordResult> results;                               // GUARDED_BY(mutex)
  std::size_t pending = 0;                                         // GUARDED_BY(mutex)
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers;  // GUARDED_BY(mutex)
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
  const boost::json::value* value = record.find_pointer("/dynamodb/NewImage/parameters/M/seconds/N", ec);
  if (value == nullptr || !value->is_string()) return 0;
  std::string_view text = value->as_string();
  std::int64_t seconds = 0;
  auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (parse_error != std::errc() || end != text.data() + text.size()) return 0;
  return seconds;
}

void SleepFunction::Invoke(std::vector<boost::json::value> records, const InvocationContext& context,
                           InvocationDone done) {
  auto invocation = std::make_shared<Invocation>();
  invocation->results.resize(records.size());
  invocation->pending = records.size() + 1;  // +1 held until every timer is armed
  invocation->done = std::move(done);
  {
    std::lock_guard lock(mutex_);
    // Prune finished invocations only when the list has doubled since the last prune: a scan
    // on every call would cost O(n) per invocation with thousands of sleepers in flight.
    if (in_flight_.size() >= 2 * pruned_size_ + 64) {
      std::erase_if(in_flight_, [](const auto& weak) { return weak.expired(); });
      pruned_size_ = in_flight_.size();
    }
    in_flight_.push_back(invocation);
  }
  auto timeout_seconds = std::chrono::duration_cast<std::chrono::seconds>(context.timeout).count();
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::int64_t seconds = SecondsParameter(records[i]);
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
    auto timer = std::make_unique<boost::asio::steady_timer>(executor_, std::chrono::seconds(seconds));
    std::lock_guard lock(invocation->mutex);
    timer->async_wait([invocation, i, seconds](const boost::system::error_code& ec) {
      if (ec || invocation->cancelled) return;  // cancelled at shutdown: the record is redelivered
      invocation->Complete(i,
                           RecordResult::Success(boost::json::string(fmt::format("I slept for {} seconds", seconds))));
    });
    invocation->timers.push_back(std::move(timer));
  }
  invocation->Release();
}

void SleepFunction::CancelAll() {
  std::lock_guard lock(mutex_);
  for (auto& weak : in_flight_) {
    if (auto invocation = weak.lock()) {
      std::lock_guard invocation_lock(invocation->mutex);
      invocation->cancelled = true;
      for (auto& timer : invocation->timers) timer->cancel();
    }
  }
  in_flight_.clear();
}

}  // namespace jobstream::functions
