// "noop": succeeds at once with no results; the baseline for measuring the pipeline itself.
#pragma once

#include "functions/function.h"

namespace jobstream::functions {

class NoopFunction final : public Function {
 public:
  void Invoke(StreamEvent event, const InvocationContext&, InvocationDone done) override {
    done(std::vector<RecordResult>(event.size(), RecordResult::Success("ok")));
  }
};

}  // namespace jobstream::functions
