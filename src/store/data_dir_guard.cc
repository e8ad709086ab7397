#include "store/data_dir_guard.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <string>
#include <system_error>

#include "common/clock.h"

namespace jobstream::store {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWalHeaderBytes = 32;
constexpr std::uint32_t kWalMagicLittleEndian = 0x377f0682;  // frame checksums over little-endian words
constexpr std::uint32_t kWalMagicBigEndian = 0x377f0683;
constexpr std::uint32_t kWalFormatVersion = 3007000;
constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
std::uint32_t LittleEndian32(const unsigned char* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[0]};
}

// The first `size` bytes of a file (fewer if it is shorter); nullopt if it cannot be read.
std::optional<std::string> ReadPrefix(const fs::path& path, std::size_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// SQLite's WAL header check (https://www.sqlite.org/fileformat2.html#walformat): magic, format
// version, and the checksum of its first 24 bytes.
bool WalHeaderValid(const std::string& header) {
  if (header.size() < kWalHeaderBytes) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(header.data());
  std::uint32_t magic = BigEndian32(bytes);
  if (magic != kWalMagicLittleEndian && magic != kWalMagicBigEndian) return false;
  if (BigEndian32(bytes + 4) != kWalFormatVersion) return false;
  auto word = magic == kWalMagicBigEndian ? BigEndian32 : LittleEndian32;
  std::uint32_t s0 = 0;
  std::uint32_t s1 = 0;
  for (std::size_t i = 0; i < 24; i += 8) {
    s0 += word(bytes + i) + s1;
    s1 += word(bytes + i + 4) + s0;
  }
  return s0 == BigEndian32(bytes + 24) && s1 == BigEndian32(bytes + 28);
}

std::uintmax_t SizeOr0(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

Status Refuse(const fs::path& data_dir, std::string problem) {
  return Status::Corruption(
      fmt::format("{} Starting would lose every acknowledged job, so the server refuses. Restore {} from a backup (see "
                  "docs/OPERATIONS.md), or, to start an empty store on purpose, move the data directory {} away.",
                  problem, (data_dir / kDatabaseFile).string(), data_dir.string()));
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const fs::path& data_dir) {
  fs::path path = data_dir / kLockFile;
  // flawfinder: ignore (the path is the operator's data directory; O_NOFOLLOW refuses a planted link)
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IOError(fmt::format("cannot open {}: {}", path.string(), ErrnoText(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::array<char, 32> pid{};
    ssize_t read = ::pread(fd, pid.data(), pid.size() - 1, 0);
    ::close(fd);
    if (error == EWOULDBLOCK) {
      std::string holder = read > 0 ? std::string(pid.data(), static_cast<std::size_t>(read)) : "unknown";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::Unavailable(fmt::format(
          "the data directory {} is in use by another jobstream process (pid {}): stop it first, or give this "
          "server another --data-dir",
          data_dir.string(), holder));
    }
    return Status::IOError(fmt::format("cannot lock {}: {}", path.string(), ErrnoText(error)));
  }
  // For the message above only: the lock itself is the flock, released when the process ends.
  // A failed write is harmless: a second server is still refused, only without the pid.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
    (void)written;
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

Status CheckStoreIntact(const fs::path& data_dir) {
  fs::path database = data_dir / kDatabaseFile;
  fs::path wal = data_dir / (std::string(kDatabaseFile) + "-wal");
  std::error_code ec;
  bool marked = fs::exists(data_dir / kCreatedMarkerFile, ec);
  bool database_exists = fs::exists(database, ec);
  std::uintmax_t wal_size = SizeOr0(wal);

  if (database_exists) {
    auto header = ReadPrefix(database, kSqliteHeader.size());
    if (!header) return Status::IOError(fmt::format("cannot read {}", database.string()));
    if (header->empty() && (marked || wal_size > kWalHeaderBytes)) {
      return Refuse(data_dir, fmt::format("{} is empty, but this directory held a job store.", database.string()));
    }
    if (!header->empty() && *header != kSqliteHeader) {
      return Refuse(data_dir, fmt::format("{} is not an SQLite database (its header is damaged).", database.string()));
    }
    // A read-only file would open read-only and fail every write with a 500 instead of here. An
    // open for writing asks the kernel the question SQLite's own open will ask.
    // flawfinder: ignore (opened only to learn whether this user may write it; closed at once)
    int fd = ::open(database.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      return Status::IOError(fmt::format("{} is not writable by this user ({}): the server needs read-write access",
                                         database.string(), ErrnoText(errno)));
    }
    ::close(fd);
  } else if (marked) {
    return Refuse(data_dir, fmt::format("{} is missing, but this directory held a job store.", database.string()));
  } else if (wal_size > kWalHeaderBytes) {
    return Refuse(data_dir, fmt::format("{} is missing, but its log {} holds data.", database.string(), wal.string()));
  }
  // Advisory, for a clear message (SQLite must create the log and its index here); not a guard a
  // race could get round: the opens that follow decide.
  // flawfinder: ignore (see above)
  if (::access(data_dir.c_str(), W_OK | X_OK) != 0) {
    return Status::IOError(
        fmt::format("the data directory {} is not writable by this user ({})", data_dir.string(), ErrnoText(errno)));
  }

  // SQLite treats a log whose header does not check out as empty and ignores its frames. The
  // header is synced before the first frame is written behind it, so a log longer than its
  // header with a bad header was damaged after the fact, not torn by a crash.
  if (wal_size > kWalHeaderBytes) {
    auto header = ReadPrefix(wal, kWalHeaderBytes);
    if (!header) return Status::IOError(fmt::format("cannot read {}", wal.string()));
    if (!WalHeaderValid(*header)) {
      return Refuse(data_dir, fmt::format("The write-ahead log {} is damaged (its header does not check out) and "
                                          "SQLite would discard the {} bytes of changes in it.",
                                          wal.string(), wal_size));
    }
  }
  return Status::Ok();
}

Status MarkStoreCreated(const fs::path& data_dir) {
  fs::path marker = data_dir / kCreatedMarkerFile;
  std::error_code ec;
  if (fs::exists(marker, ec)) return Status::Ok();
  fs::path temporary = data_dir / (std::string(kCreatedMarkerFile) + ".tmp");
  std::string text = fmt::format(
      "This directory holds a jobstream job store ({}), first opened at {}.\n"
      "While this file exists the server refuses to start without it rather than start empty.\n",
      kDatabaseFile, FormatIso8601(std::chrono::system_clock::now()));
  // flawfinder: ignore (the operator's data directory)
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IOError(fmt::format("cannot create {}: {}", temporary.string(), ErrnoText(errno)));
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return Status::IOError(fmt::format("cannot write {}", temporary.string()));
  fs::rename(temporary, marker, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", marker.string(), ec.message()));
  // flawfinder: ignore (a directory, opened to fsync the rename)
  int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace jobstream::store
