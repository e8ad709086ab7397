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

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Contexts are per thread and set up once: creating an HMAC context and naming its digest cost
// as much again as the MAC of a string to sign (1.3 us instead of 0.63 us). A thread only ever
// uses its own, so they need no lock; they are freed when their thread ends.
//
// Between two calls a thread's HMAC context still holds the last key it was given (OpenSSL
// clears the previous one on every init). DeriveSigningKey ends on a derived key, so no secret
// access key stays there; a caller that MACs directly under a secret should know.
EVP_MAC_CTX* ThreadHmacContext() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> kContext = [] {
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> context(EVP_MAC_CTX_new(HmacMac()));
    if (!context) CryptoUnavailable("an HMAC context");
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(context.get(), params) != 1) CryptoUnavailable("HMAC with SHA256");
    return context;
  }();
  return kContext.get();
}

// A digest context leaves nothing of its input behind: finishing a digest clears its buffer.
EVP_MD_CTX* ThreadDigestContext() {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> kContext(EVP_MD_CTX_new());
  if (!kContext) CryptoUnavailable("a digest context");
  return kContext.get();
}

void WriteHex(std::span<const unsigned char> bytes, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char byte : bytes) {
    *out++ = kDigits[byte >> 4];
    *out++ = kDigits[byte & 0x0f];
  }
}

}  // namespace

Sha256Digest Sha256(std::string_view data) { return Sha256(std::span<const std::string_view>(&data, 1)); }

Sha256Digest Sha256(std::span<const std::string_view> parts) {
  EVP_MD_CTX* context = ThreadDigestContext();
  if (EVP_DigestInit_ex2(context, Sha256Md(), nullptr) != 1) CryptoUnavailable("a SHA256 digest");
  for (std::string_view part : parts) {
    if (EVP_DigestUpdate(context, part.data(), part.size()) != 1) CryptoUnavailable("a SHA256 digest");
  }
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context, digest.data(), &length) != 1 || length != digest.size()) {
    CryptoUnavailable("a SHA256 digest");
  }
  return digest;
}

std::string HexSha256(std::string_view data) { return HexEncode(Sha256(data)); }

void AppendHexSha256(std::string& out, std::string_view data) { AppendHex(out, Sha256(data)); }

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  EVP_MAC_CTX* context = ThreadHmacContext();
  // A null key would tell OpenSSL to reuse the context's previous key: an empty key must still
  // be a real pointer.
  static constexpr unsigned char kNoKey = 0;
  const unsigned char* key_bytes = key.empty() ? &kNoKey : key.data();
  Sha256Digest out{};
  std::size_t length = 0;
  if (EVP_MAC_init(context, key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(context, out.data(), &length, out.size()) != 1 || length != out.size()) {
    CryptoUnavailable("an HMAC-SHA256");
  }
  return out;
}

std::string HexEncode(std::span<const unsigned char> bytes) {
  std::string hex(bytes.size() * 2, '\0');
  WriteHex(bytes, hex.data());
  return hex;
}

void AppendHex(std::string& out, std::span<const unsigned char> bytes) {
  std::size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  WriteHex(bytes, out.data() + at);
}

Sha256Hex HexDigest(const Sha256Digest& digest) {
  Sha256Hex hex{};
  WriteHex(digest, hex.data());
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
