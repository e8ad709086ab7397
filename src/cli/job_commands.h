// `jobstream submit`, `jobstream get` and `jobstream jobs list`: signed clients of the jobs API.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddJobCommands(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
