// `jobstream check` and `jobstream backup`: an operator's tools for a data directory's store,
// safe beside a running server.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddStoreCommands(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
