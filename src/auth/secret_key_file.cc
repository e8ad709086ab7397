#include "auth/secret_key_file.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/private_file.h"

namespace jobstream::auth {

Result<SecretKey> LoadOrCreateSecretKey(const std::filesystem::path& path, std::string_view what) {
  SecretKey key{};
  auto existing = ReadSmallFile(path, 1024);
  if (existing.ok()) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || (info.st_mode & 0077) != 0) {
      return Status::IOError(path.string() + " holds " + std::string(what) +
                             " but is accessible by group or others; run `chmod 600 " + path.string() + "`");
    }
    if (existing->size() != key.size()) return Status::Corruption(path.string() + " is not a 32-byte key");
    std::copy(existing->begin(), existing->end(), key.begin());
    OPENSSL_cleanse(existing->data(), existing->size());
    return key;
  }
  if (existing.error().code() != StatusCode::kNotFound) return existing.error();
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Status::Internal("the random number generator failed");
  }
  std::string_view bytes(reinterpret_cast<const char*>(key.data()), key.size());
  if (Status status = WritePrivateFileAtomically(path, bytes); !status.ok()) return status;
  return key;
}

}  // namespace jobstream::auth
