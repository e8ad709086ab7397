// "fail": fails every record of every invocation with the configured error. For tests and
// demonstrations of the failure path (retries, bisecting, error handlers), and as a stand-in for
// a function that is known to be broken.
#pragma once

#include <fmt/format.h>

#include "functions/function.h"
#include "functions/function_config.h"

namespace jobstream::functions {

class FailFunction final : public Function {
 public:
  explicit FailFunction(const FunctionConfig& config)
      : error_type_(config.error_type),
        error_message_(config.error_message.empty()
                           ? fmt::format("function '{}' is the built-in fail: it fails every record", config.name)
                           : config.error_message) {}

  void Invoke(StreamEvent event, const InvocationContext&, InvocationDone done) override {
    done(std::vector<RecordResult>(event.size(), RecordResult::Failure(error_type_, error_message_)));
  }

 private:
  std::string error_type_;
  std::string error_message_;
};

}  // namespace jobstream::functions
