// Test doubles for the verifier: an in-memory credential store, and a session-token validator
// standing in for the temporary credentials a later issue adds (the SessionTokenValidator hook).
// For tests only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/credential_store.h"
#include "auth/sigv4_verifier.h"

namespace jobstream::auth::testing {

class MemoryCredentialStore : public CredentialStore {
 public:
  void Add(Credential credential) {
    std::string id = credential.access_key_id;
    credentials_[std::move(id)] = std::move(credential);
  }
  std::optional<Credential> Find(std::string_view access_key_id) const override {
    auto found = credentials_.find(std::string(access_key_id));
    if (found == credentials_.end()) return std::nullopt;
    return found->second;
  }

 private:
  std::map<std::string, Credential> credentials_;  // written before use, then read-only
};

// Opens exactly the tokens it was given, each to its temporary credential.
class FixedSessionTokens : public SessionTokenValidator {
 public:
  void Add(std::string token, Credential credential,
           std::chrono::system_clock::time_point expiration = std::chrono::system_clock::time_point::max()) {
    tokens_.emplace(std::move(token), TemporaryCredential{std::move(credential), {"Role", "session", "", expiration}});
  }
  std::optional<TemporaryCredential> Open(std::string_view session_token) const override {
    auto found = tokens_.find(std::string(session_token));
    if (found == tokens_.end()) return std::nullopt;
    return found->second;
  }

 private:
  std::map<std::string, TemporaryCredential> tokens_;  // written before use, then read-only
};

}  // namespace jobstream::auth::testing
