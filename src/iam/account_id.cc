#include "iam/account_id.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "common/private_file.h"

namespace jobstream::iam {

bool ValidAccountId(std::string_view account_id) {
  return account_id.size() == 12 &&
         std::all_of(account_id.begin(), account_id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> LoadOrCreateAccountId(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = data_dir / "account";
  auto existing = ReadSmallFile(path, 64);
  if (existing.ok()) {
    std::string id = *existing;
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    if (!ValidAccountId(id)) return Status::Corruption(path.string() + " does not hold a 12-digit account id");
    return id;
  }
  if (existing.error().code() != StatusCode::kNotFound) return existing.error();
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);  // `serve` may start a new data directory
  if (error) return Status::IOError("cannot create data directory " + data_dir.string() + ": " + error.message());
  std::array<unsigned char, 12> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Status::Internal("the random number generator failed");
  }
  std::string id;
  // 250 of 256 byte values keep the digits uniform; the slight bias of the rest is harmless in
  // an identifier that is not a secret.
  for (unsigned char byte : bytes) id.push_back(static_cast<char>('0' + byte % 10));
  if (Status status = WritePrivateFileAtomically(path, id + "\n"); !status.ok()) return status;
  return id;
}

}  // namespace jobstream::iam
