#include "store/store_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <sqlite3.h>

#include "store/data_dir_guard.h"
#include "store/sqlite_connection.h"

namespace jobstream::store {
namespace {

Status SyncPath(const std::filesystem::path& path, int flags) {
  // flawfinder: ignore (a file this process just wrote, or its directory)
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IOError(fmt::format("cannot open {} to sync it", path.string()));
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IOError(fmt::format("cannot sync {}", path.string()));
}

// Copies the SQLite database `from` to `destination` (which must not exist), consistently.
Status BackupDatabase(const std::filesystem::path& from, const std::filesystem::path& destination) {
  std::error_code ec;
  Status status;
  auto source = Connection::OpenReadOnly(from, status);
  if (!source) return status;
  std::filesystem::path temporary = destination;
  temporary += ".partial";
  std::filesystem::remove(temporary, ec);
  sqlite3* target = nullptr;
  if (sqlite3_open_v2(temporary.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    status = Status::IOError(
        fmt::format("cannot create {}: {}", temporary.string(), target ? sqlite3_errmsg(target) : "out of memory"));
    sqlite3_close(target);
    return status;
  }
  // All pages in one step: one read transaction, so one consistent snapshot. Stepping in slices
  // would restart the copy whenever the server commits in between, possibly forever.
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source->handle(), "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : sqlite3_errcode(target);
  if (backup) sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    status = Status::IOError(fmt::format("backup failed: {}", sqlite3_errmsg(target)));
  } else {
    // The copy is a self-contained file: fold any log the copy made into it.
    char* error = nullptr;
    if (sqlite3_exec(target, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &error) != SQLITE_OK) {
      status = Status::IOError(fmt::format("backup failed: {}", error ? error : "journal mode"));
    }
    sqlite3_free(error);
  }
  sqlite3_close(target);
  if (status.ok()) status = SyncPath(temporary, O_RDONLY);
  if (status.ok()) {
    std::filesystem::rename(temporary, destination, ec);
    if (ec) status = Status::IOError(fmt::format("cannot rename the backup into place: {}", ec.message()));
  }
  if (status.ok()) {
    std::filesystem::path directory = destination.parent_path().empty() ? "." : destination.parent_path();
    status = SyncPath(directory, O_RDONLY | O_DIRECTORY);
  }
  if (!status.ok()) std::filesystem::remove(temporary, ec);
  return status;
}

}  // namespace

std::filesystem::path DeliveriesBackupPath(const std::filesystem::path& destination) {
  std::filesystem::path path = destination;
  path += ".deliveries.db";
  return path;
}

Status BackupStore(const std::filesystem::path& data_dir, const std::filesystem::path& destination) {
  std::error_code ec;
  const std::filesystem::path deliveries = data_dir / kDeliveriesFile;
  const bool with_deliveries = std::filesystem::exists(deliveries, ec);
  for (const auto& target : {destination, DeliveriesBackupPath(destination)}) {
    if (std::filesystem::exists(target, ec)) {
      return Status::InvalidArgument(fmt::format("{} exists already: choose a new file", target.string()));
    }
  }
  if (Status status = BackupDatabase(data_dir / kDatabaseFile, destination); !status.ok()) return status;
  if (!with_deliveries) return Status::Ok();
  return BackupDatabase(deliveries, DeliveriesBackupPath(destination));
}

}  // namespace jobstream::store
