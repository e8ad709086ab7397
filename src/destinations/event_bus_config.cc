#include "destinations/event_bus_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace jobstream::destinations {
namespace {

bool ValidName(std::string_view name, std::size_t max, std::string_view extra) {
  return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), [extra](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

Result<stream::FilterCriteria> ParseEventPattern(const std::string& pattern) {
  if (pattern.empty() || pattern == "{}") return stream::FilterCriteria();
  return stream::FilterCriteria::Parse({pattern});
}

Status EventBusConfig::Validate() const {
  auto fail = [](std::string message) { return Status::InvalidArgument(std::move(message)); };
  if (!ValidName(name, 256, "._/-")) return fail(fmt::format("name '{}' must be 1 to 256 of [A-Za-z0-9._/-]", name));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < archives.size(); ++i) {
    const ArchiveConfig& archive = archives[i];
    if (!ValidName(archive.name, 48, "._-")) {
      return fail(fmt::format("archives[{}]: name '{}' must be 1 to 48 of [A-Za-z0-9._-]", i, archive.name));
    }
    if (!seen.insert("archive " + archive.name).second) {
      return fail(fmt::format("archives[{}]: '{}' is defined twice", i, archive.name));
    }
    if (archive.retention_days < 0 || archive.retention_days > 36500) {
      return fail(fmt::format("archives[{}]: retention_days must be between 0 (forever) and 36500", i));
    }
    if (auto pattern = ParseEventPattern(archive.pattern); !pattern.ok()) {
      return fail(fmt::format("archives[{}]: pattern: {}", i, pattern.error().message()));
    }
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RuleConfig& rule = rules[i];
    if (!ValidName(rule.name, 64, "._-")) {
      return fail(fmt::format("rules[{}]: name '{}' must be 1 to 64 of [A-Za-z0-9._-]", i, rule.name));
    }
    if (!seen.insert("rule " + rule.name).second)
      return fail(fmt::format("rules[{}]: '{}' is defined twice", i, rule.name));
    if (rule.targets.empty() || rule.targets.size() > 5) {
      return fail(fmt::format("rules[{}]: targets must name 1 to 5 functions (EventBridge's limit)", i));
    }
    if (auto pattern = ParseEventPattern(rule.pattern); !pattern.ok()) {
      return fail(fmt::format("rules[{}]: pattern: {}", i, pattern.error().message()));
    }
  }
  return Status::Ok();
}

}  // namespace jobstream::destinations
