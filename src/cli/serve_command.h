// `jobstream serve`: wires the store, consumers, auth and HTTP server together and runs them.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

// Adds the `serve` subcommand; running it calls RunServe with the parsed settings.
void AddServeCommand(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
