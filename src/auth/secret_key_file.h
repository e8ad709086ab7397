// A 32-byte secret kept in the data directory (mode 0600), created on first use: the key of
// session tokens (session_token.h) and of shard iterators (dynamodb/shard_iterator.h). One file
// per purpose, so rotating one does not invalidate the other.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace jobstream::auth {

using SecretKey = std::array<unsigned char, 32>;

// Reads path, or creates it with 32 random bytes. A file others can read is refused, as
// credentials.json is; `what` names the key in that message ("the session-token key").
Result<SecretKey> LoadOrCreateSecretKey(const std::filesystem::path& path, std::string_view what);

}  // namespace jobstream::auth
