#include "auth/signing_key_cache.h"

#include <openssl/crypto.h>

#include <array>
#include <bit>
#include <cstdint>

#include "auth/sigv4_canonical.h"

namespace jobstream::auth {
namespace {

// Each field is prefixed with its length as eight fixed bytes, which keeps ("ab", "c") and
// ("a", "bc") apart. The fields are hashed where they lie: no buffer of ours ever holds a copy of
// the secret that would need clearing (the digest context clears its own as it finishes).
Sha256Digest CacheId(std::string_view secret, std::string_view date_stamp, std::string_view region,
                     std::string_view service) {
  using Length = std::array<char, sizeof(std::uint64_t)>;
  const std::array<Length, 4> lengths = {
      std::bit_cast<Length>(std::uint64_t{secret.size()}), std::bit_cast<Length>(std::uint64_t{date_stamp.size()}),
      std::bit_cast<Length>(std::uint64_t{region.size()}), std::bit_cast<Length>(std::uint64_t{service.size()})};
  auto view = [](const Length& length) { return std::string_view(length.data(), length.size()); };
  const std::array<std::string_view, 8> parts = {view(lengths[0]), secret, view(lengths[1]), date_stamp,
                                                 view(lengths[2]), region, view(lengths[3]), service};
  return Sha256(parts);
}

}  // namespace

Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date_stamp, std::string_view region,
                              std::string_view service) {
  std::string seed = "AWS4";
  seed.append(secret);
  Sha256Digest key = HmacSha256(AsBytes(seed), date_stamp);
  OPENSSL_cleanse(seed.data(), seed.size());
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, kScopeTerminator);
}

std::string SignatureFor(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

SigningKeyCache::SigningKeyCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

Sha256Digest SigningKeyCache::Get(std::string_view secret, std::string_view date_stamp, std::string_view region,
                                  std::string_view service) {
  Id id = CacheId(secret, date_stamp, region, service);
  {
    MutexLock lock(mutex_);
    auto found = index_.find(id);
    if (found != index_.end()) {
      entries_.splice(entries_.begin(), entries_, found->second);
      return found->second->key;
    }
  }
  // Derive outside the lock: four HMACs should not serialize every other request. Two threads
  // missing together both derive the same key; the second insert finds the first and is dropped.
  Sha256Digest key = DeriveSigningKey(secret, date_stamp, region, service);
  MutexLock lock(mutex_);
  if (index_.find(id) == index_.end()) {
    entries_.push_front({id, key});
    index_.emplace(id, entries_.begin());
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().id);
      entries_.pop_back();
    }
  }
  return key;
}

std::size_t SigningKeyCache::size() const {
  MutexLock lock(mutex_);
  return entries_.size();
}

}  // namespace jobstream::auth
