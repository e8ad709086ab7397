#include "scenarios.h"

#include "scenario_support.h"

namespace jobstream::bench {

Result<ScenarioReport> RunScenario(const std::string& name, const ScenarioContext& context) {
  if (name == "submit") return RunSubmit(context);
  if (name == "get") return RunGet(context);
  if (name == "e2e") return RunEndToEnd(context);
  if (name == "mixed") return RunMixed(context);
  if (name == "sleep") return RunSleep(context);
  if (name == "drain") return RunDrain(context);
  if (name == "ceiling") return RunCeiling(context);
  return Status::InvalidArgument("unknown scenario " + name);
}

}  // namespace jobstream::bench
