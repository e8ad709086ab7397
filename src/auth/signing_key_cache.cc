#include "auth/signing_key_cache.h"

#include <openssl/crypto.h>

#include "auth/sigv4_canonical.h"

namespace jobstream::auth {
namespace {

// Length-prefixing keeps ("ab", "c") and ("a", "bc") apart.
void AppendField(std::string& out, std::string_view field) {
  out.append(std::to_string(field.size()));
  out.push_back(':');
  out.append(field);
}

std::string CacheId(std::string_view secret, std::string_view date_stamp, std::string_view region,
                    std::string_view service) {
  std::string material;
  AppendField(material, secret);
  AppendField(material, date_stamp);
  AppendField(material, region);
  AppendField(material, service);
  Sha256Digest digest = Sha256(material);
  OPENSSL_cleanse(material.data(), material.size());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
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
  std::string id = CacheId(secret, date_stamp, region, service);
  {
    std::lock_guard lock(mutex_);
    auto found = index_.find(id);
    if (found != index_.end()) {
      entries_.splice(entries_.begin(), entries_, found->second);
      return found->second->key;
    }
  }
  // Derive outside the lock: four HMACs should not serialize every other request. Two threads
  // missing together both derive the same key; the second insert finds the first and is dropped.
  Sha256Digest key = DeriveSigningKey(secret, date_stamp, region, service);
  std::lock_guard lock(mutex_);
  if (index_.find(id) == index_.end()) {
    entries_.push_front({id, key});
    index_.emplace(std::move(id), entries_.begin());
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().id);
      entries_.pop_back();
    }
  }
  return key;
}

std::size_t SigningKeyCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace jobstream::auth
