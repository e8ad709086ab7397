// `jobstream backup`: an online, consistent copy of a data directory's store.
//
// SQLite's backup API copies the database as of one read transaction, so the copy is consistent
// even while a server writes (it holds that snapshot, not the writer). The copy is written to a
// temporary file, fsync'd, then renamed into place: a crash never leaves half a backup under the
// final name. Restore: docs/OPERATIONS.md.
#pragma once

#include <filesystem>

#include "common/status.h"

namespace jobstream::store {

// Copies DATA_DIR/jobs.db (with everything committed to its log) to `destination`, and, when the
// data directory has one, the failure path's deliveries.db (queued failure handling, archives,
// replays) to DeliveriesBackupPath(destination); neither may exist. The two are copied one after
// the other, each consistent in itself: a failure handled in between may be handled once more
// after a restore (every step of the failure path is idempotent). kNotFound without a database;
// kInvalidArgument if a destination exists.
Status BackupStore(const std::filesystem::path& data_dir, const std::filesystem::path& destination);
// "<destination>.deliveries.db"
std::filesystem::path DeliveriesBackupPath(const std::filesystem::path& destination);

}  // namespace jobstream::store
