// Long-term access keys, looked up by access key id while verifying a signature.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jobstream::auth {

struct Credential {
  std::string user_name;
  std::string access_key_id;
  std::string secret_access_key;
  bool active = true;       // "Status": "Active" | "Inactive"
  std::string create_date;  // ISO 8601, e.g. 2026-11-27T02:46:16Z
};

// Thread-safe: Find is called concurrently from every I/O thread.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // The credential with this access key id, or nullopt when there is none.
  virtual std::optional<Credential> Find(std::string_view access_key_id) const = 0;
};

}  // namespace jobstream::auth
