// The 12-digit id of the one account a data directory holds, which every ARN names.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace jobstream::iam {

// DATA_DIR/account: made (12 random digits, mode 0600, creating data_dir if need be) the first
// time, the same ever after.
// Once the store keeps the account id in its meta table, serve passes that one instead.
Result<std::string> LoadOrCreateAccountId(const std::filesystem::path& data_dir);

bool ValidAccountId(std::string_view account_id);

}  // namespace jobstream::iam
