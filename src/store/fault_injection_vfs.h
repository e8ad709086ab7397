// A SQLite VFS for power-loss tests: a shim over the default "unix" VFS that remembers, per file,
// everything written since that file's last sync, and on a simulated power cut drops or tears it.
//
// As LevelDB's fault_injection_test.cc does for its Env, and SQLite's own crash tests
// (test6.c) and LazyFS do for theirs: writes go to the real file (so the running store reads what
// it wrote, as from the page cache), but before a sector is first changed after a sync its synced
// content is kept aside. A sync of the file (SQLite's xSync, or the store's own log sync through
// the FileSync this class makes) forgets those copies: that content is now durable. At the crash
// point the operation in progress fails, and so does every later write, truncation, sync and
// delete, so the running store cannot make anything more durable; once every connection is closed,
// SimulatePowerLoss() puts each file back the way a power cut could have left it:
//  - kDrop: every sector as of the file's last sync, the file's size its last synced size;
//  - kTear: each sector changed since the last sync, independently, either as synced or as last
//    written (the disk wrote some of them in any order), and the size either the synced one or
//    the last written one (sectors past the synced size that were not kept read as zeros);
// and deletes the `-shm` (shared memory, never durable). Syncs here only mark content durable:
// nothing is flushed to the real disk, which keeps the tests fast.
//
// Not modelled: directory entries (creating and deleting a file count as durable at once) and
// the database's own raw descriptor in WalCheckpointer (its fdatasync is not counted as a sync,
// which only makes the model stricter). Tests only; thread-safe (one mutex around every
// modelled operation).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "store/wal_file_sync.h"

struct sqlite3_vfs;

namespace jobstream::store {

class FaultInjectionVfs {
 public:
  enum class CrashMode { kDrop, kTear };

  // Registers a VFS named `name` (not as the default) over SQLite's default VFS. `sector_size`:
  // the unit that kTear keeps or drops.
  static Result<std::unique_ptr<FaultInjectionVfs>> Register(std::string name, std::size_t sector_size = 512);
  // Unregisters it: every connection opened through it must be closed by then.
  ~FaultInjectionVfs();
  FaultInjectionVfs(const FaultInjectionVfs&) = delete;
  FaultInjectionVfs& operator=(const FaultInjectionVfs&) = delete;

  const std::string& name() const { return name_; }
  // For SqliteStoreOptions::open_log_sync: a FileSync that counts as a sync of that file here.
  FileSyncFactory LogSyncFactory();

  // The `operations`-th modelled operation from now (a write, truncation, sync or delete, through
  // SQLite or the FileSync; >= 1) whose name (see crash_point()) starts with `only` fails and is
  // the crash point: e.g. "log-sync" for the store's sync of the log, "sync" for SQLite's own
  // syncs, "write db" for a checkpoint copying the log into the database.
  void ArmCrash(std::uint64_t operations, std::string only = {});
  void Disarm();
  // The crash point is now (for a power cut while nothing is being written).
  void CrashNow();
  bool crashed() const;
  // What the crash interrupted, e.g. "write wal" or "log-sync wal"; "idle" after CrashNow().
  std::string crash_point() const;
  // Modelled operations since registration.
  std::uint64_t operations() const;

  // With every connection through this VFS closed: leaves the files as a power cut at the crash
  // point could have (see the top of the file), with `seed` choosing what a tear keeps; then
  // forgets the crash, so the files can be opened again. kInternal if a file is still open.
  Status SimulatePowerLoss(CrashMode mode, std::uint64_t seed);

 private:
  struct Shim;  // the C callbacks SQLite calls
  class LogSync;
  // What a power cut may take from one file (by path).
  struct FileState {
    std::string kind;                         // "db", "wal", "journal": for reports
    bool main_db = false;                     // its -shm goes at a power cut
    std::int64_t synced_size = 0;             // the file's size as of its last sync
    std::map<std::int64_t, std::string> pre;  // sector index -> its synced bytes (below synced_size)
    int open_handles = 0;
  };

  FaultInjectionVfs(std::string name, std::size_t sector_size, sqlite3_vfs* base);
  // Counts one modelled operation; false (and the crash point recorded) when it must fail.
  bool BeginOperation(const std::string& what);  // REQUIRES(mutex_)
  // Keeps aside the synced content of the sectors overlapping [offset, offset + size) not kept yet.
  // `read` reads the file's current bytes.
  template <typename Read>
  void KeepSynced(FileState& state, std::int64_t offset, std::int64_t size, const Read& read);
  Status SyncPath(const std::string& path, bool missing_ok);

  // Constant after construction.
  std::string name_;
  std::int64_t sector_size_;
  sqlite3_vfs* base_;
  std::unique_ptr<sqlite3_vfs> vfs_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<FileState>> files_;  // GUARDED_BY(mutex_); by canonical path
  std::uint64_t operations_ = 0;                             // GUARDED_BY(mutex_)
  std::uint64_t countdown_ = 0;                              // GUARDED_BY(mutex_); 0: not armed
  std::string counted_;                                      // GUARDED_BY(mutex_); what counts down
  bool crashed_ = false;                                     // GUARDED_BY(mutex_)
  std::string crash_point_;                                  // GUARDED_BY(mutex_)
};

}  // namespace jobstream::store
