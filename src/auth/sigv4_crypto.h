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
// Lowercase hex of a digest, in a fixed buffer: what a signature is compared as.
using Sha256Hex = std::array<char, 2 * kSha256Size>;

// SHA-256 of data. Thread-safe.
Sha256Digest Sha256(std::string_view data);

// SHA-256 over the concatenation of parts, without concatenating them. Thread-safe.
Sha256Digest Sha256(std::span<const std::string_view> parts);

// Lowercase hex SHA-256 of data: SigV4's payload hash and canonical-request hash.
std::string HexSha256(std::string_view data);

// Appends HexSha256(data) to out.
void AppendHexSha256(std::string& out, std::string_view data);

// HMAC-SHA256 of data under key (any length, empty included). Thread-safe.
Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data);

// Lowercase hex of bytes.
std::string HexEncode(std::span<const unsigned char> bytes);

// Appends the lowercase hex of bytes to out.
void AppendHex(std::string& out, std::span<const unsigned char> bytes);

// Lowercase hex of a digest, without allocating.
Sha256Hex HexDigest(const Sha256Digest& digest);

// Standard base64 (with padding) of bytes.
std::string Base64Encode(std::span<const unsigned char> bytes);

inline std::span<const unsigned char> AsBytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace jobstream::auth
