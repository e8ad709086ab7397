// The temporary credentials a function's processes run with (its role's, minted by the server;
// see auth/function_identity.h), and when they must be renewed: an invocation must never run
// into their expiry, so an exec invocation gets ones valid for its timeout and a margin, and a
// lambda worker is replaced, between invocations, that long before its expire.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace jobstream::functions {

struct FunctionCredentials {
  std::string access_key_id;      // "ASIA…"; empty when the server gives none (tests)
  std::string secret_access_key;  // never logged
  std::string session_token;
  std::chrono::system_clock::time_point expiration;

  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN as "KEY=value"; none when empty.
  std::vector<std::string> EnvironmentStrings() const;
};

inline constexpr std::chrono::seconds kMaxCredentialSlack{300};

// How long before credentials of `lifetime` expire they count as expiring for an invocation of
// `timeout`: the timeout and a slack for clocks and scheduling (5 minutes, or a fifth of a short
// lifetime), at most half the lifetime so that fresh credentials always serve.
std::chrono::seconds CredentialRefreshMargin(std::chrono::seconds timeout, std::chrono::seconds lifetime);

// Credentials shared by the invocations of one function, minted again when too little of them is
// left. Thread-safe.
class CredentialCache {
 public:
  using Mint = std::function<Result<FunctionCredentials>()>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  explicit CredentialCache(
      Mint mint, Clock clock = [] { return std::chrono::system_clock::now(); })
      : mint_(std::move(mint)), clock_(std::move(clock)) {}

  // Credentials that stay valid for an invocation of `timeout` (CredentialRefreshMargin): the
  // cached ones, or new ones, which replace them.
  Result<FunctionCredentials> ValidFor(std::chrono::seconds timeout);

 private:
  const Mint mint_;
  const Clock clock_;
  std::mutex mutex_;
  std::optional<FunctionCredentials> cached_;  // GUARDED_BY(mutex_)
  std::chrono::seconds lifetime_{0};           // GUARDED_BY(mutex_): cached_'s, from its minting
};

}  // namespace jobstream::functions
