// The hash, MAC and encodings SigV4 is built from (SHA-256, HMAC-SHA256, hex, base64).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace jobstream::auth {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<unsigned char, kSha256Size>;

// SHA-256 of data. Thread-safe.
Sha256Digest Sha256(std::string_view data);

// Lowercase hex SHA-256 of data: SigV4's payload hash and canonical-request hash.
std::string HexSha256(std::string_view data);

// HMAC-SHA256 of data under key. Thread-safe.
Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data);

// Lowercase hex of bytes.
std::string HexEncode(std::span<const unsigned char> bytes);

// Standard base64 (with padding) of bytes.
std::string Base64Encode(std::span<const unsigned char> bytes);

inline std::span<const unsigned char> AsBytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace jobstream::auth
