// SigV4 signing keys: their derivation, and a bounded cache of derived keys so the verifier pays
// the four chained HMACs once per (secret, day, region, service) rather than once per request.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/sigv4_crypto.h"
#include "common/mutex.h"

namespace jobstream::auth {

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date_stamp, std::string_view region,
                              std::string_view service);

// The signature: lowercase hex HMAC of the string to sign under the signing key.
std::string SignatureFor(const Sha256Digest& signing_key, std::string_view string_to_sign);

// Least-recently-used cache of derived keys. Thread-safe.
class SigningKeyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;

  explicit SigningKeyCache(std::size_t capacity = kDefaultCapacity);
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // The signing key for these inputs, derived on a miss.
  Sha256Digest Get(std::string_view secret, std::string_view date_stamp, std::string_view region,
                   std::string_view service);

  std::size_t size() const;

 private:
  // SHA-256 of the length-prefixed inputs, so the cache holds no second copy of any secret.
  using Id = Sha256Digest;
  struct IdHash {
    // The id is a uniformly distributed digest: any eight of its bytes are a good hash.
    std::size_t operator()(const Id& id) const noexcept {
      return std::bit_cast<std::array<std::size_t, sizeof(Id) / sizeof(std::size_t)>>(id)[0];
    }
  };
  struct Entry {
    Id id;
    Sha256Digest key;
  };

  // Constant after construction.
  const std::size_t capacity_;

  mutable Mutex mutex_;
  std::list<Entry> entries_ GUARDED_BY(mutex_);  // most recently used first
  std::unordered_map<Id, std::list<Entry>::iterator, IdHash> index_ GUARDED_BY(mutex_);
};

}  // namespace jobstream::auth
