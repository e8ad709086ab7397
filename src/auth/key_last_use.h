// When, for which service and in which region each long-term access key last signed a request
// that was accepted: what IAM's GetAccessKeyLastUsed answers. AWS documents this as approximate;
// here it is exact to the second in memory and kept in DATA_DIR/key_last_used.json, which is
// written at most once per save interval (the server saves once a minute and at a clean stop), so a
// crash forgets at most the last interval's uses.
//
// Temporary credentials (ASIA…) are not tracked, as in AWS: the long-term key that obtained them
// is recorded when it signs the sts:AssumeRole or sts:GetSessionToken call itself.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"

namespace jobstream::auth {

struct KeyLastUseEntry {
  SystemTime date;      // whole seconds
  std::string service;  // the credential scope's service: "execute-api", "sts", "iam", …
  std::string region;   // the credential scope's region
};

// Thread-safe: Record is called from every I/O thread on the request path and costs one
// uncontended lock and one map lookup; it never does I/O.
class KeyLastUse {
 public:
  static constexpr std::string_view kFileName = "key_last_used.json";
  // The file's bound when read back: far above what the keys of one data directory need.
  static constexpr std::size_t kMaxFileBytes = std::size_t{4} * 1024 * 1024;

  // Tracks in memory only (tests); SaveIfChanged then writes nothing.
  KeyLastUse() = default;
  KeyLastUse(const KeyLastUse&) = delete;
  KeyLastUse& operator=(const KeyLastUse&) = delete;
  // The uses kept in data_dir's file; an absent file is an empty record. A file that cannot be
  // read as one is an error naming it (only this class writes it).
  static Result<std::unique_ptr<KeyLastUse>> Load(const std::filesystem::path& data_dir);

  // Notes that access_key_id signed an accepted request at `now` for service in region.
  void Record(std::string_view access_key_id, SystemTime now, std::string_view service, std::string_view region);
  // The last use of access_key_id, or nullopt if it has none on record.
  std::optional<KeyLastUseEntry> Find(std::string_view access_key_id) const;
  // Writes the record atomically (temp file + rename) if it changed since the last save.
  Status SaveIfChanged();

 private:
  std::filesystem::path file_;  // empty: memory only. Constant after Load.
  mutable Mutex mutex_;
  std::map<std::string, KeyLastUseEntry, std::less<>> entries_ GUARDED_BY(mutex_);
  bool changed_ GUARDED_BY(mutex_) = false;
};

// The file's text for these entries, and back (kCorruption if it is not such a text).
std::string KeyLastUseJson(const std::map<std::string, KeyLastUseEntry, std::less<>>& entries);
Result<std::map<std::string, KeyLastUseEntry, std::less<>>> ParseKeyLastUseJson(std::string_view text);

}  // namespace jobstream::auth
