#include "store/fault_injection_vfs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <random>
#include <system_error>

namespace jobstream::store {
namespace {

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

}  // namespace

// The C side: SQLite calls these through the sqlite3_vfs and sqlite3_io_methods tables.
struct FaultInjectionVfs::Shim {
  // SQLite allocates vfs->szOsFile bytes per open file: this header, then the real file.
  struct File {
    sqlite3_file base;  // first: what SQLite sees
    FaultInjectionVfs* vfs;
    std::shared_ptr<FileState>* state;  // null: not modelled (temporary files)
    sqlite3_file* real;
  };
  static constexpr std::size_t kHeaderSize = (sizeof(File) + 15) / 16 * 16;

  static FaultInjectionVfs* Self(sqlite3_vfs* vfs) { return static_cast<FaultInjectionVfs*>(vfs->pAppData); }
  static sqlite3_vfs* Base(sqlite3_vfs* vfs) { return Self(vfs)->base_; }
  static File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
  static sqlite3_file* Real(sqlite3_file* file) { return Of(file)->real; }
  static const sqlite3_io_methods* RealMethods(sqlite3_file* file) { return Real(file)->pMethods; }

  static std::int64_t RealSize(sqlite3_file* file) {
    sqlite3_int64 size = 0;
    return RealMethods(file)->xFileSize(Real(file), &size) == SQLITE_OK ? size : 0;
  }

  static int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    FaultInjectionVfs* self = Self(vfs);
    File* shim = Of(file);
    shim->base.pMethods = nullptr;
    shim->vfs = self;
    shim->state = nullptr;
    shim->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderSize);
    int rc = self->base_->xOpen(self->base_, name, shim->real, flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    const char* kind = (flags & SQLITE_OPEN_MAIN_DB) != 0        ? "db"
                       : (flags & SQLITE_OPEN_WAL) != 0          ? "wal"
                       : (flags & SQLITE_OPEN_MAIN_JOURNAL) != 0 ? "journal"
                                                                 : nullptr;
    if (name != nullptr && kind != nullptr) {
      std::string path = CanonicalPath(name);
      std::lock_guard lock(self->mutex_);
      auto& state = self->files_[path];
      if (!state) {
        // What is on disk when a file is first opened (after a power cut: what it left) is durable.
        state = std::make_shared<FileState>();
        state->kind = kind;
        state->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
        state->synced_size = RealSize(file);
      }
      state->open_handles += 1;
      shim->state = new std::shared_ptr<FileState>(state);
    }
    shim->base.pMethods = &kMethods;
    return SQLITE_OK;
  }

  static int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    FaultInjectionVfs* self = Self(vfs);
    {
      std::lock_guard lock(self->mutex_);
      if (!self->BeginOperation("delete")) return SQLITE_IOERR_DELETE;
      self->files_.erase(CanonicalPath(name));  // a delete counts as durable at once
    }
    return self->base_->xDelete(self->base_, name, sync_dir);
  }

  static int Close(sqlite3_file* file) {
    File* shim = Of(file);
    int rc = RealMethods(file)->xClose(Real(file));
    if (shim->state != nullptr) {
      std::lock_guard lock(shim->vfs->mutex_);
      (*shim->state)->open_handles -= 1;
      delete shim->state;
      shim->state = nullptr;
    }
    return rc;
  }

  static int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
    return RealMethods(file)->xRead(Real(file), buffer, amount, offset);
  }

  static int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
    File* shim = Of(file);
    if (shim->state == nullptr) return RealMethods(file)->xWrite(Real(file), buffer, amount, offset);
    FaultInjectionVfs* self = shim->vfs;
    FileState& state = **shim->state;
    std::lock_guard lock(self->mutex_);
    if (!self->BeginOperation("write " + state.kind)) return SQLITE_IOERR_WRITE;
    self->KeepSynced(state, offset, amount, [file](std::int64_t at, std::int64_t size, char* out) {
      (void)RealMethods(file)->xRead(Real(file), out, static_cast<int>(size), at);  // zero-filled if short
    });
    return RealMethods(file)->xWrite(Real(file), buffer, amount, offset);
  }

  static int Truncate(sqlite3_file* file, sqlite3_int64 size) {
    File* shim = Of(file);
    if (shim->state == nullptr) return RealMethods(file)->xTruncate(Real(file), size);
    FaultInjectionVfs* self = shim->vfs;
    FileState& state = **shim->state;
    std::lock_guard lock(self->mutex_);
    if (!self->BeginOperation("truncate " + state.kind)) return SQLITE_IOERR_TRUNCATE;
    std::int64_t current = RealSize(file);
    if (size < current) {
      self->KeepSynced(state, size, current - size, [file](std::int64_t at, std::int64_t length, char* out) {
        (void)RealMethods(file)->xRead(Real(file), out, static_cast<int>(length), at);
      });
    }
    return RealMethods(file)->xTruncate(Real(file), size);
  }

  static int Sync(sqlite3_file* file, int flags) {
    File* shim = Of(file);
    if (shim->state == nullptr) return RealMethods(file)->xSync(Real(file), flags);
    FaultInjectionVfs* self = shim->vfs;
    FileState& state = **shim->state;
    std::lock_guard lock(self->mutex_);
    if (!self->BeginOperation("sync " + state.kind)) return SQLITE_IOERR_FSYNC;
    // Durable from here on (in the model; the real disk is not flushed).
    state.pre.clear();
    state.synced_size = RealSize(file);
    return SQLITE_OK;
  }

  static int FileSize(sqlite3_file* file, sqlite3_int64* size) {
    return RealMethods(file)->xFileSize(Real(file), size);
  }
  static int Lock(sqlite3_file* file, int level) { return RealMethods(file)->xLock(Real(file), level); }
  static int Unlock(sqlite3_file* file, int level) { return RealMethods(file)->xUnlock(Real(file), level); }
  static int CheckReservedLock(sqlite3_file* file, int* out) {
    return RealMethods(file)->xCheckReservedLock(Real(file), out);
  }
  static int FileControl(sqlite3_file* file, int op, void* argument) {
    // Size hints make the unix VFS grow files itself, out of the model's sight: ignored (hints).
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;
    return RealMethods(file)->xFileControl(Real(file), op, argument);
  }
  static int SectorSize(sqlite3_file* file) { return RealMethods(file)->xSectorSize(Real(file)); }
  static int DeviceCharacteristics(sqlite3_file* file) { return RealMethods(file)->xDeviceCharacteristics(Real(file)); }
  static int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
    return RealMethods(file)->xShmMap(Real(file), region, size, extend, out);
  }
  static int ShmLock(sqlite3_file* file, int offset, int count, int flags) {
    return RealMethods(file)->xShmLock(Real(file), offset, count, flags);
  }
  static void ShmBarrier(sqlite3_file* file) { RealMethods(file)->xShmBarrier(Real(file)); }
  static int ShmUnmap(sqlite3_file* file, int delete_flag) {
    return RealMethods(file)->xShmUnmap(Real(file), delete_flag);
  }
  static int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    return RealMethods(file)->xFetch(Real(file), offset, amount, out);
  }
  static int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer) {
    return RealMethods(file)->xUnfetch(Real(file), offset, pointer);
  }

  static constexpr sqlite3_io_methods kMethods = {3,
                                                  Close,
                                                  Read,
                                                  Write,
                                                  Truncate,
                                                  Sync,
                                                  FileSize,
                                                  Lock,
                                                  Unlock,
                                                  CheckReservedLock,
                                                  FileControl,
                                                  SectorSize,
                                                  DeviceCharacteristics,
                                                  ShmMap,
                                                  ShmLock,
                                                  ShmBarrier,
                                                  ShmUnmap,
                                                  Fetch,
                                                  Unfetch};

  // Everything else goes to the real VFS as it is.
  static void Fill(sqlite3_vfs& vfs, const sqlite3_vfs& base) {
    vfs.iVersion = std::min(base.iVersion, 3);
    vfs.szOsFile = static_cast<int>(kHeaderSize) + base.szOsFile;
    vfs.mxPathname = base.mxPathname;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = [](sqlite3_vfs* v, const char* name, int flags, int* out) {
      return Base(v)->xAccess(Base(v), name, flags, out);
    };
    vfs.xFullPathname = [](sqlite3_vfs* v, const char* name, int size, char* out) {
      return Base(v)->xFullPathname(Base(v), name, size, out);
    };
    vfs.xDlOpen = [](sqlite3_vfs* v, const char* name) { return Base(v)->xDlOpen(Base(v), name); };
    vfs.xDlError = [](sqlite3_vfs* v, int size, char* out) { Base(v)->xDlError(Base(v), size, out); };
    vfs.xDlSym = [](sqlite3_vfs* v, void* handle, const char* symbol) {
      return Base(v)->xDlSym(Base(v), handle, symbol);
    };
    vfs.xDlClose = [](sqlite3_vfs* v, void* handle) { Base(v)->xDlClose(Base(v), handle); };
    vfs.xRandomness = [](sqlite3_vfs* v, int size, char* out) { return Base(v)->xRandomness(Base(v), size, out); };
    vfs.xSleep = [](sqlite3_vfs* v, int micros) { return Base(v)->xSleep(Base(v), micros); };
    vfs.xCurrentTime = [](sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); };
    vfs.xGetLastError = [](sqlite3_vfs* v, int size, char* out) { return Base(v)->xGetLastError(Base(v), size, out); };
    vfs.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) { return Base(v)->xCurrentTimeInt64(Base(v), out); };
    vfs.xSetSystemCall = [](sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr call) {
      return Base(v)->xSetSystemCall(Base(v), name, call);
    };
    vfs.xGetSystemCall = [](sqlite3_vfs* v, const char* name) { return Base(v)->xGetSystemCall(Base(v), name); };
    vfs.xNextSystemCall = [](sqlite3_vfs* v, const char* name) { return Base(v)->xNextSystemCall(Base(v), name); };
  }
};

// The store's log sync, as a sync of that file in the model.
class FaultInjectionVfs::LogSync final : public FileSync {
 public:
  LogSync(FaultInjectionVfs* vfs, std::string path) : vfs_(vfs), path_(std::move(path)) {}
  Status Sync(bool missing_ok = false) override { return vfs_->SyncPath(path_, missing_ok); }

 private:
  FaultInjectionVfs* vfs_;
  std::string path_;
};

Result<std::unique_ptr<FaultInjectionVfs>> FaultInjectionVfs::Register(std::string name, std::size_t sector_size) {
  if (sqlite3_initialize() != SQLITE_OK) return Status::Internal("cannot initialise SQLite");
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return Status::Internal("SQLite has no default VFS");
  if (sqlite3_vfs_find(name.c_str()) != nullptr) return Status::InvalidArgument("a VFS named " + name + " exists");
  if (sector_size == 0) return Status::InvalidArgument("sector_size must be positive");
  std::unique_ptr<FaultInjectionVfs> vfs(new FaultInjectionVfs(std::move(name), sector_size, base));
  if (sqlite3_vfs_register(vfs->vfs_.get(), /*makeDflt=*/0) != SQLITE_OK) {
    return Status::Internal("cannot register the VFS " + vfs->name_);
  }
  return vfs;
}

FaultInjectionVfs::FaultInjectionVfs(std::string name, std::size_t sector_size, sqlite3_vfs* base)
    : name_(std::move(name)),
      sector_size_(static_cast<std::int64_t>(sector_size)),
      base_(base),
      vfs_(std::make_unique<sqlite3_vfs>()) {
  Shim::Fill(*vfs_, *base_);
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
}

FaultInjectionVfs::~FaultInjectionVfs() { sqlite3_vfs_unregister(vfs_.get()); }

FileSyncFactory FaultInjectionVfs::LogSyncFactory() {
  return [this](const std::filesystem::path& path) -> std::unique_ptr<FileSync> {
    return std::make_unique<LogSync>(this, CanonicalPath(path.string()));
  };
}

bool FaultInjectionVfs::BeginOperation(const std::string& what) {
  ++operations_;
  if (crashed_) return false;
  if (countdown_ > 0 && what.compare(0, counted_.size(), counted_) == 0 && --countdown_ == 0) {
    crashed_ = true;
    crash_point_ = what;
    return false;
  }
  return true;
}

template <typename Read>
void FaultInjectionVfs::KeepSynced(FileState& state, std::int64_t offset, std::int64_t size, const Read& read) {
  if (size <= 0) return;
  for (std::int64_t sector = offset / sector_size_; sector <= (offset + size - 1) / sector_size_; ++sector) {
    auto [slot, inserted] = state.pre.try_emplace(sector);
    if (!inserted) continue;  // changed earlier since the sync: the copy holds the synced bytes
    std::int64_t start = sector * sector_size_;
    // Past the synced size the sector held nothing durable: an empty copy (restored as zeros).
    std::int64_t length = std::min(sector_size_, state.synced_size - start);
    if (length <= 0) continue;
    slot->second.resize(static_cast<std::size_t>(length));
    read(start, length, slot->second.data());
  }
}

Status FaultInjectionVfs::SyncPath(const std::string& path, bool missing_ok) {
  std::lock_guard lock(mutex_);
  auto found = files_.find(path);
  std::string kind = found != files_.end() ? found->second->kind : "file";
  if (!BeginOperation("log-sync " + kind)) return Status::IOError("simulated power loss: cannot sync " + path);
  struct stat at_path {};
  if (::stat(path.c_str(), &at_path) != 0) {
    int error = errno;
    if (error == ENOENT && missing_ok) return Status::Ok();
    return Status::IOError(fmt::format("cannot stat {}: {}", path, ErrnoText(error)));
  }
  if (found != files_.end()) {
    found->second->pre.clear();
    found->second->synced_size = at_path.st_size;
  }
  return Status::Ok();
}

void FaultInjectionVfs::ArmCrash(std::uint64_t operations, std::string only) {
  std::lock_guard lock(mutex_);
  countdown_ = std::max<std::uint64_t>(operations, 1);
  counted_ = std::move(only);
  crash_point_.clear();
}

void FaultInjectionVfs::Disarm() {
  std::lock_guard lock(mutex_);
  countdown_ = 0;
}

void FaultInjectionVfs::CrashNow() {
  std::lock_guard lock(mutex_);
  if (crashed_) return;
  crashed_ = true;
  crash_point_ = "idle";
}

bool FaultInjectionVfs::crashed() const {
  std::lock_guard lock(mutex_);
  return crashed_;
}

std::string FaultInjectionVfs::crash_point() const {
  std::lock_guard lock(mutex_);
  return crash_point_;
}

std::uint64_t FaultInjectionVfs::operations() const {
  std::lock_guard lock(mutex_);
  return operations_;
}

Status FaultInjectionVfs::SimulatePowerLoss(CrashMode mode, std::uint64_t seed) {
  std::lock_guard lock(mutex_);
  for (const auto& [path, state] : files_) {
    if (state->open_handles > 0) return Status::Internal(path + " is still open");
  }
  std::mt19937_64 generator(seed);  // reproducible tearing from the test's seed, not secrecy
  auto coin = [&generator] { return (generator() & 1U) != 0; };
  for (const auto& [path, state] : files_) {
    // flawfinder: ignore (a test's own database files, restored as a power cut would leave them)
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return Status::IOError(fmt::format("cannot open {}: {}", path, ErrnoText(errno)));
    }
    struct stat current {};
    Status status;
    if (::fstat(fd, &current) != 0) status = Status::IOError("cannot stat " + path);
    std::int64_t size = mode == CrashMode::kTear && coin() ? current.st_size : state->synced_size;
    if (status.ok() && ::ftruncate(fd, size) != 0) status = Status::IOError("cannot truncate " + path);
    for (const auto& [sector, synced] : state->pre) {
      if (!status.ok()) break;
      if (mode == CrashMode::kTear && coin()) continue;  // this sector reached the disk
      std::int64_t start = sector * sector_size_;
      if (start >= size) continue;
      std::string content = synced;  // zeros where nothing was synced
      content.resize(static_cast<std::size_t>(std::min(sector_size_, size - start)), '\0');
      if (::pwrite(fd, content.data(), content.size(), start) != static_cast<ssize_t>(content.size())) {
        status = Status::IOError("cannot restore " + path);
      }
    }
    ::close(fd);
    if (!status.ok()) return status;
    std::error_code ignored;  // no -shm is fine
    if (state->main_db) std::filesystem::remove(path + "-shm", ignored);
  }
  files_.clear();
  countdown_ = 0;
  crashed_ = false;
  return Status::Ok();
}

}  // namespace jobstream::store
