// `jobstream submit` and `jobstream get`: signed clients of the jobs API.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddJobCommands(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
