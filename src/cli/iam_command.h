// `jobstream iam …`: IAM's user, key and policy operations for the operator on the machine, run
// directly on DATA_DIR/credentials.json (a running server takes changes within a second).
#pragma once

#include <CLI/CLI.hpp>

namespace jobstream::cli {

void AddIamCommand(CLI::App& app, int& exit_code);

}  // namespace jobstream::cli
