#include "auth/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

// A key file is a few hundred bytes per key; anything this large is not ours.
constexpr off_t kMaxFileSize = 16 << 20;
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status Errno(const std::string& what, const std::filesystem::path& path) {
  return Status::IOError(what + " " + path.string() + ": " + std::generic_category().message(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred close would swallow.
  int Close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd);
  }

 private:
  int fd_;
};

// Serializes read-modify-write cycles across processes (`keys create` racing the server's
// `keys delete`); readers need no lock because writers only ever rename whole files into place.
Result<std::unique_ptr<Fd>> LockDirectory(const std::filesystem::path& data_dir) {
  std::filesystem::path lock_path = data_dir / "credentials.json.lock";
  // flawfinder: ignore (O_NOFOLLOW, mode 0600, in the service's own data directory)
  auto fd = std::make_unique<Fd>(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd->get() < 0) return Errno("cannot open", lock_path);
  while (::flock(fd->get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Errno("cannot lock", lock_path);
  }
  return fd;  // closing it releases the lock
}

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::Ok();
}

Status WriteAtomically(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    // flawfinder: ignore (O_NOFOLLOW, mode forced to 0600 below, renamed into place only when complete)
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return Errno("cannot create", temp);
    // The umask can only remove bits, but a leftover temp file keeps its old mode: set it.
    if (::fchmod(fd.get(), 0600) != 0) return Errno("cannot chmod", temp);
    // `sudo jobstream keys create` on a service's data directory must leave the file readable
    // by the service's user: root hands it to whoever owns the directory.
    struct stat dir_stat {};
    if (::geteuid() == 0 && ::stat(path.parent_path().c_str(), &dir_stat) == 0 && dir_stat.st_uid != 0 &&
        ::fchown(fd.get(), dir_stat.st_uid, dir_stat.st_gid) != 0) {
      return Errno("cannot chown", temp);
    }
    if (Status status = WriteAll(fd.get(), contents, temp); !status.ok()) return status;
    if (::fsync(fd.get()) != 0) return Errno("cannot fsync", temp);
    if (fd.Close() != 0) return Errno("cannot close", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  // The rename is durable only once the directory entry is.
  std::filesystem::path dir = path.parent_path();
  // flawfinder: ignore (read-only, O_DIRECTORY: opened only to fsync the directory entry)
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return Errno("cannot open", dir);
  if (::fsync(dir_fd.get()) != 0) return Errno("cannot fsync", dir);
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  // flawfinder: ignore (read-only; the size is capped below and the contents are parsed strictly)
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path.string() + " does not exist");
    return Errno("cannot open", path);
  }
  std::string contents;
  std::array<char, 8192> buffer;
  while (true) {
    ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (got == 0) break;
    contents.append(buffer.data(), static_cast<std::size_t>(got));
    if (contents.size() > static_cast<std::size_t>(kMaxFileSize)) {
      return Status::IOError(path.string() + " is too large to be a key file");
    }
  }
  return contents;
}

// length characters drawn uniformly from alphabet, whose size must divide 256.
Result<std::string> RandomString(std::string_view alphabet, std::size_t length) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1) {
    return Status::Internal("the random number generator failed");
  }
  std::string out(length, '\0');
  for (std::size_t i = 0; i < length; ++i) {
    out[i] = alphabet[static_cast<unsigned char>(bytes[i]) % alphabet.size()];
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

// IAM's rule for user names.
bool ValidUserName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("+=,.@_-").find(c) != std::string_view::npos;
  });
}

}  // namespace

KeyFile::KeyFile(std::filesystem::path data_dir, KeyFileOptions options)
    : data_dir_(std::move(data_dir)), path_(data_dir_ / kFileName), options_(options) {}

Result<std::unique_ptr<KeyFile>> KeyFile::Open(const std::filesystem::path& data_dir, KeyFileOptions options) {
  std::error_code error;
  if (options.create) {
    std::filesystem::create_directories(data_dir, error);
    if (error) return Status::IOError("cannot create data directory " + data_dir.string() + ": " + error.message());
  } else if (!std::filesystem::is_directory(data_dir, error)) {
    // Commands that only read create nothing: a mistyped --data-dir is an error, not a new directory.
    if (std::filesystem::exists(data_dir, error)) {
      return Status::InvalidArgument("data directory " + data_dir.string() + " is not a directory");
    }
    return Status::NotFound("data directory " + data_dir.string() + " does not exist (check --data-dir)");
  }
  std::unique_ptr<KeyFile> file(new KeyFile(data_dir, options));
  MutexLock lock(file->mutex_);
  if (Status status = file->LoadLocked(); !status.ok()) return status;
  if (!file->stamp_.exists) {
    std::string missing = file->path_.string() + " does not exist";
    if (!options.create) {
      return Status::NotFound(missing + ": there are no access keys in " + data_dir.string() +
                              " (check --data-dir; `jobstream keys create` makes one)");
    }
    file->problem_ = Status::NotFound(std::move(missing));
  }
  file->last_check_ = std::chrono::steady_clock::now();
  return file;
}

Result<KeyFile::FileStamp> KeyFile::StatFile() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) {
    if (errno == ENOENT) return FileStamp{};
    return Errno("cannot stat", path_);
  }
  auto nanoseconds = [](const timespec& time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
  };
  return FileStamp{
      true, info.st_dev, info.st_ino, info.st_size, nanoseconds(info.st_mtim), nanoseconds(info.st_ctim), info.st_mode};
}

Status KeyFile::LoadLocked() const {
  // Stat before reading: if the file changes in between, the stamp is stale and the next
  // refresh reads it again, rather than a new file hiding behind an old stamp.
  auto stamp = StatFile();
  if (!stamp.ok()) return stamp.error();
  std::vector<Credential> keys;
  if (stamp->exists) {
    if (!S_ISREG(stamp->mode)) return Status::IOError(path_.string() + " is not a regular file");
    // As ssh does with a private key: secrets others can read (or replace) are not secrets.
    if ((stamp->mode & 0077) != 0) {
      return Status::IOError(
          fmt::format("{} holds secret keys but is accessible by group or others (mode {:04o}); run `chmod 600 {}`",
                      path_.string(), stamp->mode & 07777, path_.string()));
    }
    if (stamp->size > kMaxFileSize) return Status::IOError(path_.string() + " is too large to be a key file");
    auto contents = ReadWholeFile(path_);
    if (!contents.ok()) {
      // Gone between stat and open (deleted by hand): no keys, like a missing file.
      if (contents.error().code() != StatusCode::kNotFound) return contents.error();
      stamp->exists = false;
    } else {
      auto parsed = ParseKeyFile(*contents);
      OPENSSL_cleanse(contents->data(), contents->size());
      if (!parsed.ok()) {
        // "credentials.json is corrupt: ..." with the whole path, so a log line says which file.
        std::string message = parsed.error().message();
        if (message.starts_with(kFileName)) message.replace(0, kFileName.size(), path_.string());
        return Status::IOError(std::move(message));
      }
      keys = std::move(*parsed);
    }
  }
  keys_ = std::move(keys);
  stamp_ = *stamp;
  return Status::Ok();
}

void KeyFile::RefreshLocked() const {
  auto now = std::chrono::steady_clock::now();
  if (now - last_check_ < options_.reload_interval) return;
  last_check_ = now;
  auto stamp = StatFile();
  if (stamp.ok() && *stamp == stamp_) return;
  Status loaded = stamp.ok() ? LoadLocked() : stamp.error();
  if (!loaded.ok()) {
    // Deny by default: a file that cannot be trusted keeps no key alive, not even those it held
    // before (a hand edit meant to revoke one must not leave it valid). Forget the stamp, so the
    // file is read again next interval and a transient error clears by itself.
    keys_.clear();
    stamp_ = FileStamp{};
  } else if (!stamp_.exists) {
    loaded = Status::NotFound(path_.string() + " does not exist");
  }
  if (loaded.ok()) {
    if (!problem_.ok()) spdlog::info("{} is valid again: {} access keys in force", path_.string(), keys_.size());
    problem_ = Status::Ok();
    return;
  }
  // One line per change of state, however many lookups and reload ticks pass meanwhile.
  if (loaded.message() != problem_.message()) {
    if (loaded.code() == StatusCode::kNotFound) {
      spdlog::warn("{}: no access key is accepted until `jobstream keys create` makes one", loaded.message());
    } else {
      spdlog::error("{}: no access key is accepted until the file is valid again", loaded.message());
    }
  }
  problem_ = std::move(loaded);
}

Status KeyFile::StoreLocked(std::vector<Credential> keys) {
  if (Status status = WriteAtomically(path_, SerializeKeyFile(keys)); !status.ok()) return status;
  keys_ = std::move(keys);
  auto stamp = StatFile();
  stamp_ = stamp.ok() ? *stamp : FileStamp{};
  last_check_ = std::chrono::steady_clock::now();
  problem_ = Status::Ok();  // this process wrote it: nothing to tell (the CLI's stdout is a document)
  return Status::Ok();
}

Result<Credential> KeyFile::Create(std::string user_name) {
  if (!ValidUserName(user_name)) {
    return Status::InvalidArgument("user name must be 1-64 characters of A-Z a-z 0-9 and + = , . @ _ -");
  }
  MutexLock lock(mutex_);
  auto directory_lock = LockDirectory(data_dir_);
  if (!directory_lock.ok()) return directory_lock.error();
  // Start from the file, not memory: another process may have changed it.
  if (Status status = LoadLocked(); !status.ok()) return status;

  Credential credential;
  credential.user_name = std::move(user_name);
  do {
    auto suffix = RandomString(kBase32, 16);
    if (!suffix.ok()) return suffix.error();
    credential.access_key_id = "AKIA" + *suffix;
  } while (std::any_of(keys_.begin(), keys_.end(),
                       [&](const Credential& existing) { return existing.access_key_id == credential.access_key_id; }));
  auto secret = RandomString(kBase64, 40);
  if (!secret.ok()) return secret.error();
  credential.secret_access_key = std::move(*secret);
  credential.active = true;
  credential.create_date = FormatIso8601(std::chrono::system_clock::now());

  std::vector<Credential> keys = keys_;
  keys.push_back(credential);
  if (Status status = StoreLocked(std::move(keys)); !status.ok()) return status;
  return credential;
}

std::vector<Credential> KeyFile::List() const {
  MutexLock lock(mutex_);
  RefreshLocked();
  return keys_;
}

Status KeyFile::Delete(std::string_view access_key_id) {
  MutexLock lock(mutex_);
  auto directory_lock = LockDirectory(data_dir_);
  if (!directory_lock.ok()) return directory_lock.error();
  if (Status status = LoadLocked(); !status.ok()) return status;
  std::vector<Credential> keys = keys_;
  auto erased = std::erase_if(keys, [&](const Credential& key) { return key.access_key_id == access_key_id; });
  if (erased == 0) {
    return Status::NotFound("The Access Key with id " + std::string(access_key_id) + " cannot be found.");
  }
  return StoreLocked(std::move(keys));
}

std::optional<Credential> KeyFile::Find(std::string_view access_key_id) const {
  MutexLock lock(mutex_);
  RefreshLocked();
  for (const Credential& key : keys_) {
    if (key.access_key_id == access_key_id) return key;
  }
  return std::nullopt;
}

}  // namespace jobstream::auth
