// `jobstream keys create|list|delete`: manage the long-term access keys in the data directory.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddKeysCommand(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
