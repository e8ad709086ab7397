// `jobstream replay start|list|describe|cancel`: replays of the failure path's archives, through
// the server's EventBridge API (events_api/events_api.h), signed like every client command.
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddReplayCommands(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
