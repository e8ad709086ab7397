// "sleep": the sample job. Waits `seconds` (from the record's NewImage.parameters) on a timer,
// without holding a thread, and answers "I slept for N seconds".
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <list>
#include <mutex>

#include "functions/function.h"

namespace jobstream::functions {

class SleepFunction final : public Function {
 public:
  explicit SleepFunction(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void Invoke(std::vector<boost::json::value> records, const InvocationContext& context, InvocationDone done) override;
  void CancelAll() override;

 private:
  struct Invocation;

  boost::asio::any_io_executor executor_;  // constant after construction
  std::mutex mutex_;
  std::list<std::weak_ptr<Invocation>> in_flight_;  // GUARDED_BY(mutex_)
  std::size_t pruned_size_ = 0;                     // GUARDED_BY(mutex_): in_flight_ size after the last prune
};

// Reads dynamodb.NewImage.parameters.M.seconds.N from a stream record; 0 when absent/invalid.
std::int64_t SecondsParameter(const boost::json::value& record);

}  // namespace jobstream::functions
