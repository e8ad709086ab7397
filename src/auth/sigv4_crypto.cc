#include "auth/sigv4_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace jobstream::auth {
namespace {

// Without SHA-256 no request can be signed or verified, so a provider that lacks it is a broken
// installation, not an expected failure: stop loudly at the first use.
[[noreturn]] void CryptoUnavailable(const char* what) {
  std::fprintf(stderr, "jobstream: OpenSSL cannot provide %s\n", what);
  std::abort();
}

// Fetching an algorithm searches the provider tables under a lock; doing it once per process
// keeps that off the per-request path. The objects live until exit on purpose.
const EVP_MD* Sha256Md() {
  static EVP_MD* const kSha256 = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) CryptoUnavailable("SHA256");
    return fetched;
  }();
  return kSha256;
}

EVP_MAC* HmacMac() {
  static EVP_MAC* const kHmac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) CryptoUnavailable("HMAC");
    return fetched;
  }();
  return kHmac;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, Sha256Md(), nullptr) != 1 ||
      length != digest.size()) {
    CryptoUnavailable("a SHA256 digest");
  }
  return digest;
}

std::string HexSha256(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(HmacMac()));
  if (!ctx) CryptoUnavailable("an HMAC context");
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  Sha256Digest out{};
  std::size_t length = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
    CryptoUnavailable("an HMAC-SHA256");
  }
  return out;
}

std::string HexEncode(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

std::string Base64Encode(std::span<const unsigned char> bytes) {
  // EVP_EncodeBlock also writes a terminating NUL, hence the extra byte.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

}  // namespace jobstream::auth
