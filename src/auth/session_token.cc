#include "auth/session_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/secret_key_file.h"

namespace jobstream::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t kNonceLength = 12;
constexpr std::size_t kTagLength = 16;
constexpr unsigned char kVersion = 1;
// Bound to the purpose: a blob sealed for anything else under the same key does not open.
constexpr std::string_view kAssociatedData = "jobstream session token v1";

struct CipherContext {
  CipherContext() : context(EVP_CIPHER_CTX_new()) {}
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
  ~CipherContext() { EVP_CIPHER_CTX_free(context); }
  EVP_CIPHER_CTX* context;
};

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::optional<std::string> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * (text.size() / 4), '\0');
  int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::int64_t ToUnixSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<SessionTokens>> SessionTokens::Load(const std::filesystem::path& data_dir) {
  auto key = LoadOrCreateSecretKey(data_dir / kFileName, "the session-token key");
  if (!key.ok()) return key.error();
  auto tokens = std::make_unique<SessionTokens>(*key);
  OPENSSL_cleanse(key->data(), key->size());
  return tokens;
}

Result<std::string> SessionTokens::Seal(const TemporaryCredential& temporary) const {
  const SessionContext& session = temporary.session;
  std::string plaintext = json::serialize(json::object{{"k", temporary.credential.access_key_id},
                                                       {"s", temporary.credential.secret_access_key},
                                                       {"u", temporary.credential.user_name},
                                                       {"c", temporary.credential.create_date},
                                                       {"r", session.role_name},
                                                       {"n", session.session_name},
                                                       {"p", session.session_policy},
                                                       {"e", ToUnixSeconds(session.expiration)}});
  std::string sealed(1 + kNonceLength + plaintext.size() + kTagLength, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  out[0] = kVersion;
  unsigned char* nonce = out + 1;
  if (RAND_bytes(nonce, static_cast<int>(kNonceLength)) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::Internal("the random number generator failed");
  }
  CipherContext cipher;
  int length = 0;
  bool ok = cipher.context != nullptr &&
            EVP_EncryptInit_ex(cipher.context, EVP_aes_256_gcm(), nullptr, key_.data(), nonce) == 1 &&
            EVP_EncryptUpdate(cipher.context, nullptr, &length,
                              reinterpret_cast<const unsigned char*>(kAssociatedData.data()),
                              static_cast<int>(kAssociatedData.size())) == 1 &&
            EVP_EncryptUpdate(cipher.context, nonce + kNonceLength, &length,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(cipher.context, nonce + kNonceLength + length, &length) == 1 &&
            EVP_CIPHER_CTX_ctrl(cipher.context, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagLength),
                                nonce + kNonceLength + plaintext.size()) == 1;
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  if (!ok) return Status::Internal("sealing a session token failed");
  return Base64(sealed);
}

std::optional<TemporaryCredential> SessionTokens::Open(std::string_view session_token) const {
  if (session_token.size() > kMaxTokenLength) return std::nullopt;
  std::optional<std::string> sealed = Unbase64(session_token);
  if (!sealed || sealed->size() < 1 + kNonceLength + kTagLength ||
      static_cast<unsigned char>((*sealed)[0]) != kVersion) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(sealed->data());
  const unsigned char* nonce = in + 1;
  const std::size_t ciphertext_length = sealed->size() - 1 - kNonceLength - kTagLength;
  std::string plaintext(ciphertext_length, '\0');
  std::array<unsigned char, kTagLength> tag{};
  std::copy(nonce + kNonceLength + ciphertext_length, nonce + kNonceLength + ciphertext_length + kTagLength,
            tag.begin());
  CipherContext cipher;
  int length = 0;
  // The tag is checked by EVP_DecryptFinal_ex, in constant time.
  bool ok =
      cipher.context != nullptr &&
      EVP_DecryptInit_ex(cipher.context, EVP_aes_256_gcm(), nullptr, key_.data(), nonce) == 1 &&
      EVP_DecryptUpdate(cipher.context, nullptr, &length,
                        reinterpret_cast<const unsigned char*>(kAssociatedData.data()),
                        static_cast<int>(kAssociatedData.size())) == 1 &&
      EVP_DecryptUpdate(cipher.context, reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                        nonce + kNonceLength, static_cast<int>(ciphertext_length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(cipher.context, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLength), tag.data()) == 1 &&
      EVP_DecryptFinal_ex(cipher.context, reinterpret_cast<unsigned char*>(plaintext.data()) + length, &length) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  // Sealed by this server, so well-formed; checked anyway rather than trusted to be.
  boost::system::error_code ec;
  json::value value = json::parse(plaintext, ec);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  const json::object* fields = ec ? nullptr : value.if_object();
  if (fields == nullptr) return std::nullopt;
  auto text = [fields](const char* name) -> std::optional<std::string> {
    const json::value* field = fields->if_contains(name);
    if (field == nullptr || !field->is_string()) return std::nullopt;
    return std::string(field->get_string());
  };
  auto key_id = text("k");
  auto secret = text("s");
  auto user = text("u");
  auto created = text("c");
  auto role = text("r");
  auto session_name = text("n");
  auto policy = text("p");
  const json::value* expiration = fields->if_contains("e");
  if (!key_id || !secret || !user || !created || !role || !session_name || !policy || expiration == nullptr ||
      !expiration->is_int64()) {
    return std::nullopt;
  }
  TemporaryCredential temporary;
  temporary.credential =
      Credential{std::move(*user), std::move(*key_id), std::move(*secret), true, std::move(*created)};
  temporary.session =
      SessionContext{std::move(*role), std::move(*session_name), std::move(*policy),
                     std::chrono::system_clock::time_point(std::chrono::seconds(expiration->get_int64()))};
  return temporary;
}

}  // namespace jobstream::auth
