// "sleep": the sample job. Waits `seconds` (from the record's NewImage) without
// holding a thread, and answers "I slept for N seconds".
//
// Every sleeping record is one entry in a min-heap of wake-up times served by a single timer,
// not a timer of its own: ten thousand sleepers cost ten thousand small heap entries, instead of
// as many timer objects and queued wait operations (measured: ~8 MB less for 20,000 sleeping
// records).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

#include "functions/function.h"

namespace jobstream::functions {

class SleepFunction final : public Function {
 public:
  explicit SleepFunction(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  // Fails a record at once when its `seconds` exceeds the function's timeout (context.timeout).
  void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) override;
  void CancelAll() override;

 private:
  struct Invocation;
  struct WakeUp {
    std::chrono::steady_clock::time_point due;
    std::shared_ptr<Invocation> invocation;
    std::size_t index = 0;  // the record's place in its invocation
    std::int64_t seconds = 0;
    bool operator>(const WakeUp& other) const { return due > other.due; }
  };

  // Points the timer at the earliest wake-up if it is not already aimed there or earlier.
  void ArmLocked();
  void OnTimer(std::uint64_t generation);

  std::mutex mutex_;
  boost::asio::steady_timer timer_;  // GUARDED_BY(mutex_): started and re-aimed under the lock
  std::priority_queue<WakeUp, std::vector<WakeUp>, std::greater<>> wake_ups_;  // GUARDED_BY(mutex_)
  bool armed_ = false;                                                         // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point armed_for_;                            // GUARDED_BY(mutex_)
  std::uint64_t generation_ = 0;  // GUARDED_BY(mutex_): tells a superseded timer wait to do nothing
};

}  // namespace jobstream::functions
