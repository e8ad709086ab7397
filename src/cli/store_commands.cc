#include "cli/store_commands.h"

#include <iostream>
#include <memory>
#include <string>

#include "store/store_backup.h"
#include "store/store_check.h"

namespace jobstream::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;  // check: the store has problems (listed)
constexpr int kExitError = 2;     // the command could not run (no store, unreadable, …)

struct StoreFlags {
  std::string data_dir = "./data";
  std::string destination;
};

int RunCheck(const StoreFlags& flags) {
  auto report = store::CheckStore(flags.data_dir);
  if (!report.ok()) {
    std::cerr << "jobstream check: " << report.error().message() << "\n";
    return kExitError;
  }
  std::cout << report->jobs << " jobs, " << report->records << " stream records in " << report->shards << " shards, "
            << report->checkpoints << " consumer checkpoints\n";
  for (const std::string& problem : report->problems) std::cout << "problem: " << problem << "\n";
  if (!report->problems.empty()) {
    std::cout << "the store has problems: restore it from a backup (docs/OPERATIONS.md)\n";
    return kExitProblems;
  }
  std::cout << "ok\n";
  return kExitOk;
}

int RunBackup(const StoreFlags& flags) {
  Status status = store::BackupStore(flags.data_dir, flags.destination);
  if (!status.ok()) {
    std::cerr << "jobstream backup: " << status.message() << "\n";
    return kExitError;
  }
  std::cout << "backed up " << flags.data_dir << " to " << flags.destination << "\n";
  std::error_code ec;
  if (std::filesystem::exists(store::DeliveriesBackupPath(flags.destination), ec)) {
    std::cout << "and its failure path (deliveries.db) to " << store::DeliveriesBackupPath(flags.destination).string()
              << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddStoreCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StoreFlags>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Check a data directory's store: SQLite's integrity check and the stream's invariants (exit 0 ok, "
      "1 problems, 2 error)");
  check->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)")->envname("JOBSTREAM_DATA_DIR");
  check->callback([flags, &exit_code] { exit_code = RunCheck(*flags); });

  CLI::App* backup =
      app.add_subcommand("backup", "Copy the store, consistently, while the server runs (restore: docs/OPERATIONS.md)");
  backup->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)")->envname("JOBSTREAM_DATA_DIR");
  backup->add_option("--to", flags->destination, "The backup file to create (must not exist)")->required();
  backup->callback([flags, &exit_code] { exit_code = RunBackup(*flags); });
}

}  // namespace jobstream::cli
