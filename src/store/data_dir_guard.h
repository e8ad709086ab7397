// Guards a data directory against the two ways a store can be lost without a word: a second
// server writing beside the first, and a start on a database that is missing, emptied or whose
// write-ahead log is damaged (SQLite would start empty, or discard the log, and every acknowledged
// job would be gone).
//
//   DataDirLock       an exclusive flock(2) on DATA_DIR/lock, held while the store is open
//   CheckStoreIntact  before the database is opened: refuses what would silently lose data
//   MarkStoreCreated  after a new store is created: DATA_DIR/store-created records that it held one
#pragma once

#include <filesystem>
#include <memory>

#include "common/result.h"

namespace jobstream::store {

inline constexpr const char* kDatabaseFile = "jobs.db";
// The failure path's database (destinations/delivery_queue.h), beside jobs.db.
inline constexpr const char* kDeliveriesFile = "deliveries.db";
inline constexpr const char* kLockFile = "lock";
inline constexpr const char* kCreatedMarkerFile = "store-created";

class DataDirLock {
 public:
  // Takes the lock without waiting; kUnavailable naming the holder's pid when another process
  // has it. The lock goes with the process, so a crashed server never leaves it behind.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::filesystem::path& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// kCorruption, with what to do, when starting would lose data: the marker says the directory
// held a store but the database is missing, empty or not an SQLite file; or a log is left without
// its database; or the log's header is damaged while it holds frames (SQLite would discard them
// all). kIOError when the database exists but this process cannot write it or the directory.
Status CheckStoreIntact(const std::filesystem::path& data_dir);

// Records, durably, that the directory holds a store (idempotent). Called once the schema exists,
// and for directories made before the marker existed (their database is then the evidence).
Status MarkStoreCreated(const std::filesystem::path& data_dir);

}  // namespace jobstream::store
