// jobstream: the asynchronous job API (API Gateway + DynamoDB stream + Lambda) in one binary.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "cli/iam_command.h"
#include "cli/job_commands.h"
#include "cli/keys_command.h"
#include "cli/replay_commands.h"
#include "cli/serve_command.h"
#include "cli/store_commands.h"

namespace jobstream {
// "0.1.0 (git <short-rev>[-dirty])", from the file cmake/Version.cmake generates on every build.
const char* BuildVersion();
}  // namespace jobstream

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing its socket is an error value, not a death
  CLI::App app{"jobstream: an asynchronous job API with SigV4 auth, a durable jobs table and its change stream"};
  app.set_version_flag("--version", std::string("jobstream ") + jobstream::BuildVersion());
  app.require_subcommand(1);
  int exit_code = 0;
  jobstream::cli::AddServeCommand(app, exit_code);
  jobstream::cli::AddKeysCommand(app, exit_code);
  jobstream::cli::AddIamCommand(app, exit_code);
  jobstream::cli::AddJobCommands(app, exit_code);
  jobstream::cli::AddStoreCommands(app, exit_code);
  jobstream::cli::AddReplayCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // app.exit prints the message (or the help); every usage error exits 2, as submit's do.
    return app.exit(error) == 0 ? 0 : 2;
  } catch (const std::exception& error) {  // start-up failures that are not expected values
    std::cerr << "jobstream: " << error.what() << "\n";
    return 1;
  }
  return exit_code;
}
