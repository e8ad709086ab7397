// Thin RAII wrappers over the SQLite C API: a connection and its prepared statements.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace jobstream::store {

// The Status for an SQLite result code: StoreFull() when the database or the disk is full,
// kIOError with SQLite's message otherwise.
Status StatusOf(sqlite3* db, int rc);
// A full store (the disk, or the configured bound): a condition to wait out, not a fault, so the
// client gets 503 and the server goes on answering reads.
Status StoreFull();

// A prepared statement, reset and reused for every execution. Not thread-safe.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, std::int64_t number);
  Statement& BindNull(int index);
  // Steps once: true when a row is available, false when done. Errors land in status().
  bool Step();
  // Steps to completion (for writes); returns the outcome and resets the statement.
  Status Run();
  void Reset();

  std::int64_t ColumnInt(int column) const;
  std::string_view ColumnText(int column) const;
  bool ColumnIsNull(int column) const;
  const Status& status() const { return status_; }
  bool prepared() const { return statement_ != nullptr; }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  Status status_;
};

// One SQLite connection in WAL mode with synchronous=FULL. Not thread-safe: each thread (the
// writer, each pooled reader) owns its own.
class Connection {
 public:
  // `vfs`: the SQLite VFS to open it with (empty: the default one).
  static std::unique_ptr<Connection> Open(const std::filesystem::path& path, Status& status,
                                          const std::string& vfs = {});
  // An existing database, read-only, for tools beside a running server (check, backup): creates
  // nothing; kNotFound when the file does not exist.
  static std::unique_ptr<Connection> OpenReadOnly(const std::filesystem::path& path, Status& status);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Execute(std::string_view sql);  // for schema and pragmas; not for hot paths
  sqlite3* handle() const { return db_; }
  std::string LastError() const;

  // How long a statement waits for a lock another connection holds before failing with
  // SQLITE_BUSY (5 s when opened).
  void SetBusyTimeout(std::chrono::milliseconds timeout);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  static std::unique_ptr<Connection> OpenWithFlags(const std::filesystem::path& path, int flags, Status& status,
                                                   const std::string& vfs);
  static int RetryBusy(void* connection, int tries);

  sqlite3* db_;
  std::chrono::milliseconds busy_timeout_{5000};
};

}  // namespace jobstream::store
