// Session tokens of temporary credentials (STS): everything the credentials grant, sealed with
// AES-256-GCM under a key of the data directory, so a token cannot be forged or altered, needs no
// server-side table, and stays valid across restarts until it expires.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/sigv4_verifier.h"
#include "common/result.h"

namespace jobstream::auth {

// Thread-safe (constant after Open).
class SessionTokens final : public SessionTokenValidator {
 public:
  static constexpr std::string_view kFileName = "session-token.key";
  // The longest token Open looks at; a sealed one is far shorter (the session policy is at most
  // 2,048 characters).
  static constexpr std::size_t kMaxTokenLength = 8192;

  // Loads DATA_DIR/session-token.key, creating it (32 random bytes, mode 0600) the first time.
  // A key file others can read is refused, as credentials.json is.
  static Result<std::unique_ptr<SessionTokens>> Load(const std::filesystem::path& data_dir);
  // A sealer with a given key, for tests.
  explicit SessionTokens(const std::array<unsigned char, 32>& key) : key_(key) {}

  // The token for temporary: base64 of nonce, ciphertext and tag.
  Result<std::string> Seal(const TemporaryCredential& temporary) const;

  // nullopt for anything this key did not seal (altered, truncated, another server's), whatever
  // the expiry; the verifier checks the expiry.
  std::optional<TemporaryCredential> Open(std::string_view session_token) const override;

 private:
  const std::array<unsigned char, 32> key_;
};

}  // namespace jobstream::auth
