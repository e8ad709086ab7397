// The 12-digit id of the one account a data directory holds, which every ARN names.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace jobstream::iam {

// DATA_DIR/account: made the first time (`chosen`, or else 12 random digits; mode 0600, creating
// data_dir if need be), the same ever after. The one source of the account id: a file rather
// than the store's meta table, so that commands run beside a server (which holds the store's
// lock) read it too. A `chosen` id that differs from the stored one is ignored with a warning.
Result<std::string> LoadOrCreateAccountId(const std::filesystem::path& data_dir, std::string_view chosen = {});

bool ValidAccountId(std::string_view account_id);

}  // namespace jobstream::iam
