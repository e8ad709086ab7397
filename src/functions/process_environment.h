// What the process-running runtimes (exec, lambda) share when they build a command's
// environment: the PATH to pass on, the check that a program can be executed, and the merge of
// a function's own settings over jobstream's.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace jobstream::functions {

using EnvironmentEntries = std::vector<std::pair<std::string, std::string>>;

// The server's PATH (or a default): what a command without '/' is looked up on.
std::string ServerPath();
// A regular file the server may execute.
bool IsExecutableFile(const std::filesystem::path& path);
// `entries` with each of `overrides` replacing the entry of its key, or appended.
EnvironmentEntries MergeEnvironment(EnvironmentEntries entries, const EnvironmentEntries& overrides);
// "KEY=value" strings, for posix_spawn.
std::vector<std::string> EnvironmentStrings(const EnvironmentEntries& entries);

}  // namespace jobstream::functions
