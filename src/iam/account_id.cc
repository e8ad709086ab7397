#include "iam/account_id.h"

#include <spdlog/spdlog.h>

#include "common/aws_account.h"
#include "common/private_file.h"

namespace jobstream::iam {

bool ValidAccountId(std::string_view account_id) { return ValidateAccountId(account_id).ok(); }

Result<std::string> LoadOrCreateAccountId(const std::filesystem::path& data_dir, std::string_view chosen) {
  const std::filesystem::path path = data_dir / "account";
  auto existing = ReadSmallFile(path, 64);
  if (existing.ok()) {
    std::string id = *existing;
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
    if (!ValidAccountId(id)) return Status::Corruption(path.string() + " does not hold a 12-digit account id");
    if (!chosen.empty() && chosen != id) {
      spdlog::warn("data directory was created with account id {}; ignoring the configured {}", id, chosen);
    }
    return id;
  }
  if (existing.error().code() != StatusCode::kNotFound) return existing.error();
  if (!chosen.empty()) {
    if (Status status = ValidateAccountId(chosen); !status.ok()) return status;
  }
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);  // `serve` may start a new data directory
  if (error) return Status::IOError("cannot create data directory " + data_dir.string() + ": " + error.message());
  std::string id = chosen.empty() ? NewAccountId() : std::string(chosen);
  if (Status status = WritePrivateFileAtomically(path, id + "\n"); !status.ok()) return status;
  return id;
}

}  // namespace jobstream::iam
