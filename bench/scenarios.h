// The scenarios of jobstream-bench (see bench_options.cc for what each one does).
#pragma once

#include <sys/types.h>

#include <string>

#include "bench_options.h"
#include "common/result.h"
#include "load_driver.h"
#include "report.h"

namespace jobstream::bench {

struct ScenarioContext {
  const BenchOptions& options;
  Target target;         // the server under test
  pid_t server_pid = 0;  // 0: unknown, no server figures
};

// Runs one scenario (a name from kScenarioNames) to the end. Errors are setup failures; what
// the server answers, however bad, is in the report.
Result<ScenarioReport> RunScenario(const std::string& name, const ScenarioContext& context);

}  // namespace jobstream::bench
