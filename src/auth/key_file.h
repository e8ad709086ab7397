// Long-term access keys kept in <data_dir>/credentials.json (mode 0600), the store behind
// `jobstream keys create|list|delete` and behind the verifier of a running server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_store.h"
#include "auth/key_file_format.h"  // CreateAccessKeyJson
#include "common/mutex.h"
#include "common/result.h"
#include "common/status.h"

namespace jobstream::auth {

// A new key id: prefix ("AKIA" long-term, "ASIA" temporary) and 16 random base-32 characters.
Result<std::string> NewAccessKeyId(std::string_view prefix);
// A new secret: 40 characters of base64, 240 random bits.
Result<std::string> NewSecretAccessKey();

struct KeyFileOptions {
  // At most this often Find and List look at the file for changes another process made (a
  // `jobstream keys create` while the server runs), so a lookup costs no stat(2) in between.
  std::chrono::milliseconds reload_interval{1000};
  // true (`serve`, `keys create`): create the data directory if missing, and take a missing file
  // as "no keys yet". false (every command that only reads or deletes): both must exist, and
  // nothing is created.
  bool create = false;
  // The account's 12-digit id, for the default role's trust policy; empty where no role is
  // looked up (the key commands).
  std::string account_id = {};
};

// Thread-safe. Changes are written atomically (temp file, fsync, rename, fsync of the directory)
// under an advisory lock, so concurrent processes never lose each other's keys and a crash leaves
// the old file or the new one, never a mix.
//
// Deny by default: a file that cannot be trusted (unreadable, corrupt, not a regular file, or
// accessible by group or others, which ssh refuses for a private key too) is an error at Open;
// when a running server's file turns into one, no key is accepted until it is valid again, and
// the change is logged once (not once per lookup or reload tick), as is the recovery.
//
// It holds the account's identities too (key_file_format.h): users, roles and their policies.
class KeyFile : public CredentialStore {
 public:
  static constexpr std::string_view kFileName = "credentials.json";
  // IAM's quota of access keys per user.
  static constexpr long kMaxKeysPerUser = 2;

  // Opens the key file of data_dir (see KeyFileOptions::create). Errors name the file and, where
  // there is one, the fix.
  static Result<std::unique_ptr<KeyFile>> Open(const std::filesystem::path& data_dir,
                                               const KeyFileOptions& options = {});

  // Creates an active key for user_name (1-64 of A-Z a-z 0-9 + = , . @ _ -) and persists it
  // before returning it; refused once the user has kMaxKeysPerUser keys.
  Result<Credential> Create(std::string user_name);

  // Every key, in creation order.
  std::vector<Credential> List() const;

  // Removes a key durably; NotFound when there is no such key.
  Status Delete(std::string_view access_key_id);

  std::optional<Credential> Find(std::string_view access_key_id) const override;

  // The user, or nullopt. Until IAM has created a user explicitly, every user a key names exists
  // with full rights (AdministratorAccess), as every key had before identities.
  std::optional<iam::User> FindUser(std::string_view name) const;
  // The role, or nullopt. Until a role is stored, JobsAPIInvokeRole exists (when account_id was
  // given).
  std::optional<iam::Role> FindRole(std::string_view name) const;

  // Applies change to the file's current contents (read again under the cross-process lock, with
  // the implicit identities made explicit: see Snapshot) and persists the result before
  // returning. An error from change leaves the file as it was and is returned as it is.
  Status Update(const std::function<Status(KeyFileContents&)>& change);
  // The contents in force, Users and Roles always present: the users keys name in files from
  // before identities (with full rights) and the default role (when account_id was given).
  KeyFileContents Snapshot() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  // What identifies one version of the file: a rename gives a new inode, an edit in place a new
  // mtime or size, a chmod or chown a new ctime.
  struct FileStamp {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    mode_t mode = 0;
    bool operator==(const FileStamp&) const = default;
  };

  KeyFile(std::filesystem::path data_dir, KeyFileOptions options);

  // Reads the file into contents_ and stamp_; a missing file is no keys. On error contents_ is
  // left as it was.
  Status LoadLocked() const REQUIRES(mutex_);
  // Reloads when the interval has passed and the file changed. A file that cannot be read leaves
  // no key in force; the first failure, each different one and the recovery are logged once.
  void RefreshLocked() const REQUIRES(mutex_);
  // Writes keys atomically and adopts them. Requires the cross-process lock too.
  Status StoreLocked(KeyFileContents contents) REQUIRES(mutex_);
  std::optional<iam::User> FindUserLocked(std::string_view name) const REQUIRES(mutex_);
  KeyFileContents ExplicitLocked() const REQUIRES(mutex_);
  Result<FileStamp> StatFile() const;

  // Constant after construction.
  const std::filesystem::path data_dir_;
  const std::filesystem::path path_;
  const KeyFileOptions options_;

  mutable Mutex mutex_;
  mutable KeyFileContents contents_ GUARDED_BY(mutex_);
  mutable FileStamp stamp_ GUARDED_BY(mutex_);
  mutable std::chrono::steady_clock::time_point last_check_ GUARDED_BY(mutex_) = {};
  // Why the file on disk is not in force (missing or broken), as last logged; ok when it is.
  mutable Status problem_ GUARDED_BY(mutex_);
};

}  // namespace jobstream::auth
