// An event bus as [[event_buses]] configures it (see event_bus.h): its archives and rules.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "stream/filter_pattern.h"

namespace jobstream::destinations {

struct ArchiveConfig {
  std::string name;            // EventBridge's rule: 1-48 of [A-Za-z0-9._-]
  std::string pattern = "{}";  // which of the bus's events it keeps
  int retention_days = 0;      // 0: forever
};

struct RuleConfig {
  std::string name;  // 1-64 of [A-Za-z0-9._-]
  std::string pattern = "{}";
  std::vector<std::string> targets;  // function names
};

struct EventBusConfig {
  std::string name;  // 1-256 of [A-Za-z0-9._/-]
  std::vector<ArchiveConfig> archives;
  std::vector<RuleConfig> rules;

  // Names, patterns and retention; archive and rule names unique on the bus. Targets are
  // checked where functions are known (ServeConfig, FailurePath).
  Status Validate() const;
};

// The criteria of a configured pattern: "" and "{}" match everything.
Result<stream::FilterCriteria> ParseEventPattern(const std::string& pattern);

}  // namespace jobstream::destinations
