#include "functions/process_environment.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace jobstream::functions {

std::string ServerPath() {
  static constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
  // Read while the server builds its consumers; nothing sets the environment. The server's own
  // PATH, chosen by whoever started it, is what its functions' commands are looked up on.
  // flawfinder: ignore (see above)
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): no thread writes the environment
  return path != nullptr && *path != '\0' ? std::string(path) : std::string(kDefaultPath);
}

bool IsExecutableFile(const std::filesystem::path& path) {
  std::error_code ec;
  // A check for a clear configuration error at start-up; the spawn itself decides later.
  return std::filesystem::is_regular_file(path, ec) &&
         ::access(path.c_str(), X_OK) == 0;  // flawfinder: ignore (not a security check)
}

EnvironmentEntries MergeEnvironment(EnvironmentEntries entries, const EnvironmentEntries& overrides) {
  for (const auto& setting : overrides) {
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&setting](const auto& entry) { return entry.first == setting.first; });
    if (same != entries.end()) {
      same->second = setting.second;
    } else {
      entries.push_back(setting);
    }
  }
  return entries;
}

std::vector<std::string> EnvironmentStrings(const EnvironmentEntries& entries) {
  std::vector<std::string> strings;
  strings.reserve(entries.size());
  for (const auto& [key, value] : entries) strings.push_back(fmt::format("{}={}", key, value));
  return strings;
}

}  // namespace jobstream::functions
