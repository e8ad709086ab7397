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

#include "auth/sigv4_crypto.h"
#include "auth/sigv4_time.h"
#include "common/private_file.h"

namespace jobstream::auth {
namespace {

// A key file is a few hundred bytes per key; anything this large is not ours.
constexpr off_t kMaxFileSize = 16 << 20;
// The default role has existed as long as identities have (this release).
constexpr const char* kDefaultRoleCreateDate = "2026-12-07T00:00:00Z";
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status Errno(const std::string& what, const std::filesystem::path& path) {
  return Status::IOError(what + " " + path.string() + ": " + std::generic_category().message(errno));
}

// Serializes read-modify-write cycles across processes (`keys create` racing the server's
// `keys delete`); readers need no lock because writers only ever rename whole files into place.
Result<std::unique_ptr<UniqueFd>> LockDirectory(const std::filesystem::path& data_dir) {
  std::filesystem::path lock_path = data_dir / "credentials.json.lock";
  // flawfinder: ignore (O_NOFOLLOW, mode 0600, in the service's own data directory)
  auto fd = std::make_unique<UniqueFd>(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd->get() < 0) return Errno("cannot open", lock_path);
  while (::flock(fd->get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Errno("cannot lock", lock_path);
  }
  return fd;  // closing it releases the lock
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

}  // namespace

Result<std::string> NewAccessKeyId(std::string_view prefix) {
  auto suffix = RandomString(kBase32, 16);
  if (!suffix.ok()) return suffix.error();
  return std::string(prefix) + *suffix;
}

Result<std::string> NewSecretAccessKey() { return RandomString(kBase64, 40); }

namespace {

// IAM's unique ids ("AIDA…" users, "AROA…" roles): 17 base-32 characters of a SHA-256 of the
// name, so an identity synthesised on every load keeps the same id.
std::string DerivedId(std::string_view prefix, std::string_view name) {
  Sha256Digest digest = Sha256(name);
  std::string id(prefix);
  for (std::size_t i = 0; i < 17; ++i) id.push_back(kBase32[digest[i] % kBase32.size()]);
  return id;
}

}  // namespace

KeyFile::KeyFile(std::filesystem::path data_dir, KeyFileOptions options)
    : data_dir_(std::move(data_dir)), path_(data_dir_ / kFileName), options_(std::move(options)) {}

Result<std::unique_ptr<KeyFile>> KeyFile::Open(const std::filesystem::path& data_dir, const KeyFileOptions& options) {
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
  KeyFileContents contents;
  if (stamp->exists) {
    if (!S_ISREG(stamp->mode)) return Status::IOError(path_.string() + " is not a regular file");
    // As ssh does with a private key: secrets others can read (or replace) are not secrets.
    if ((stamp->mode & 0077) != 0) {
      return Status::IOError(
          fmt::format("{} holds secret keys but is accessible by group or others (mode {:04o}); run `chmod 600 {}`",
                      path_.string(), stamp->mode & 07777, path_.string()));
    }
    if (stamp->size > kMaxFileSize) return Status::IOError(path_.string() + " is too large to be a key file");
    auto text = ReadSmallFile(path_, static_cast<std::size_t>(kMaxFileSize));
    if (!text.ok()) {
      // Gone between stat and open (deleted by hand): no keys, like a missing file.
      if (text.error().code() != StatusCode::kNotFound) return text.error();
      stamp->exists = false;
    } else {
      auto parsed = ParseKeyFileContents(*text);
      OPENSSL_cleanse(text->data(), text->size());
      if (!parsed.ok()) {
        // "credentials.json is corrupt: ..." with the whole path, so a log line says which file.
        std::string message = parsed.error().message();
        if (message.starts_with(kFileName)) message.replace(0, kFileName.size(), path_.string());
        return Status::IOError(std::move(message));
      }
      contents = std::move(*parsed);
    }
  }
  contents_ = std::move(contents);
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
    contents_ = KeyFileContents{};
    stamp_ = FileStamp{};
  } else if (!stamp_.exists) {
    loaded = Status::NotFound(path_.string() + " does not exist");
  }
  if (loaded.ok()) {
    if (!problem_.ok())
      spdlog::info("{} is valid again: {} access keys in force", path_.string(), contents_.keys.size());
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

Status KeyFile::StoreLocked(KeyFileContents contents) {
  if (Status status = WritePrivateFileAtomically(path_, SerializeKeyFileContents(contents)); !status.ok()) {
    return status;
  }
  contents_ = std::move(contents);
  auto stamp = StatFile();
  stamp_ = stamp.ok() ? *stamp : FileStamp{};
  last_check_ = std::chrono::steady_clock::now();
  problem_ = Status::Ok();  // this process wrote it: nothing to tell (the CLI's stdout is a document)
  return Status::Ok();
}

Result<Credential> KeyFile::Create(std::string user_name) {
  if (!iam::ValidIdentityName(user_name)) {
    return Status::InvalidArgument("user name must be 1-64 characters of A-Z a-z 0-9 and + = , . @ _ -");
  }
  MutexLock lock(mutex_);
  auto directory_lock = LockDirectory(data_dir_);
  if (!directory_lock.ok()) return directory_lock.error();
  // Start from the file, not memory: another process may have changed it.
  if (Status status = LoadLocked(); !status.ok()) return status;
  auto owned = std::count_if(contents_.keys.begin(), contents_.keys.end(),
                             [&](const Credential& key) { return key.user_name == user_name; });
  if (owned >= kMaxKeysPerUser) {
    return Status::InvalidArgument("Cannot exceed quota for AccessKeysPerUser: " + std::to_string(kMaxKeysPerUser));
  }

  Credential credential;
  credential.user_name = std::move(user_name);
  do {
    auto id = NewAccessKeyId("AKIA");
    if (!id.ok()) return id.error();
    credential.access_key_id = std::move(*id);
  } while (std::any_of(contents_.keys.begin(), contents_.keys.end(),
                       [&](const Credential& existing) { return existing.access_key_id == credential.access_key_id; }));
  auto secret = NewSecretAccessKey();
  if (!secret.ok()) return secret.error();
  credential.secret_access_key = std::move(*secret);
  credential.active = true;
  credential.create_date = FormatIso8601(std::chrono::system_clock::now());

  KeyFileContents contents = contents_;
  contents.keys.push_back(credential);
  if (contents.users && !FindUserLocked(credential.user_name)) {
    // A key for a user IAM does not know yet makes the user, with no rights of its own.
    contents.users->push_back(
        iam::User{credential.user_name, DerivedId("AIDA", credential.user_name), credential.create_date, {}});
  }
  if (Status status = StoreLocked(std::move(contents)); !status.ok()) return status;
  return credential;
}

std::vector<Credential> KeyFile::List() const {
  MutexLock lock(mutex_);
  RefreshLocked();
  return contents_.keys;
}

Status KeyFile::Delete(std::string_view access_key_id) {
  MutexLock lock(mutex_);
  auto directory_lock = LockDirectory(data_dir_);
  if (!directory_lock.ok()) return directory_lock.error();
  if (Status status = LoadLocked(); !status.ok()) return status;
  KeyFileContents contents = contents_;
  auto erased = std::erase_if(contents.keys, [&](const Credential& key) { return key.access_key_id == access_key_id; });
  if (erased == 0) {
    return Status::NotFound("The Access Key with id " + std::string(access_key_id) + " cannot be found.");
  }
  return StoreLocked(std::move(contents));
}

std::optional<Credential> KeyFile::Find(std::string_view access_key_id) const {
  MutexLock lock(mutex_);
  RefreshLocked();
  for (const Credential& key : contents_.keys) {
    if (key.access_key_id == access_key_id) return key;
  }
  return std::nullopt;
}

std::optional<iam::User> KeyFile::FindUserLocked(std::string_view name) const {
  if (contents_.users) {
    for (const iam::User& user : *contents_.users) {
      if (user.name == name) return user;
    }
    return std::nullopt;
  }
  // No Users yet (files from before identities): every user a key names has full rights.
  auto key = std::find_if(contents_.keys.begin(), contents_.keys.end(),
                          [&](const Credential& credential) { return credential.user_name == name; });
  if (key == contents_.keys.end()) return std::nullopt;
  return iam::User{key->user_name,
                   DerivedId("AIDA", key->user_name),
                   key->create_date,
                   {*iam::MakeInlinePolicy(std::string(iam::kAdminPolicyName), iam::AdministratorPolicyDocument())}};
}

std::optional<iam::User> KeyFile::FindUser(std::string_view name) const {
  MutexLock lock(mutex_);
  RefreshLocked();
  return FindUserLocked(name);
}

std::optional<iam::Role> KeyFile::FindRole(std::string_view name) const {
  MutexLock lock(mutex_);
  RefreshLocked();
  if (contents_.roles) {
    for (const iam::Role& role : *contents_.roles) {
      if (role.name == name) return role;
    }
    return std::nullopt;
  }
  if (name != iam::kInvokeRoleName || options_.account_id.empty()) return std::nullopt;
  return iam::DefaultInvokeRole(options_.account_id, kDefaultRoleCreateDate);
}

KeyFileContents KeyFile::ExplicitLocked() const {
  KeyFileContents contents = contents_;
  if (!contents.users) {
    contents.users.emplace();
    for (const Credential& key : contents.keys) {
      if (auto user = FindUserLocked(key.user_name);
          user && std::none_of(contents.users->begin(), contents.users->end(),
                               [&](const iam::User& known) { return known.name == user->name; })) {
        contents.users->push_back(std::move(*user));
      }
    }
  }
  if (!contents.roles) {
    contents.roles.emplace();
    if (!options_.account_id.empty()) {
      contents.roles->push_back(iam::DefaultInvokeRole(options_.account_id, kDefaultRoleCreateDate));
    }
  }
  return contents;
}

Status KeyFile::Update(const std::function<Status(KeyFileContents&)>& change) {
  MutexLock lock(mutex_);
  auto directory_lock = LockDirectory(data_dir_);
  if (!directory_lock.ok()) return directory_lock.error();
  if (Status status = LoadLocked(); !status.ok()) return status;
  KeyFileContents contents = ExplicitLocked();
  if (Status status = change(contents); !status.ok()) return status;
  return StoreLocked(std::move(contents));
}

KeyFileContents KeyFile::Snapshot() const {
  MutexLock lock(mutex_);
  RefreshLocked();
  return ExplicitLocked();
}

}  // namespace jobstream::auth
