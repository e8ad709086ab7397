// "flaky": fails the first `failures` attempts of each record, then succeeds with the number of
// the attempt that did. For tests and demonstrations of retries: with failures below a
// consumer's max_retries a job ends in Success, above it the failure path takes over.
//
// A record is known by its stream sequence number (or, for an event without one, its text), and
// attempts are counted in memory: a restart starts every count again. The counts are bounded:
// past kMaxTracked records the oldest is forgotten.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "functions/function.h"
#include "functions/function_config.h"

namespace jobstream::functions {

class FlakyFunction final : public Function {
 public:
  static constexpr std::size_t kMaxTracked = 100000;

  explicit FlakyFunction(const FunctionConfig& config);
  void Invoke(StreamEvent event, const InvocationContext& context, InvocationDone done) override;

 private:
  int failures_;
  std::string error_type_;
  std::string error_message_;
  std::mutex mutex_;
  // Failed attempts per record still to succeed; sequence numbers sort oldest first.
  std::map<std::string, int> attempts_;  // GUARDED_BY(mutex_)
};

}  // namespace jobstream::functions
