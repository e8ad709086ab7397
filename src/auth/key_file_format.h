// The JSON documents of long-term keys: credentials.json on disk, and the document
// `aws iam create-access-key` prints. Both pretty-printed with 4-space indents, as awscli does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_store.h"
#include "common/result.h"

namespace jobstream::auth {

// {"AccessKeys": [{"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}]}.
// Anything else (bad JSON, a missing field, an unknown Status, a repeated AccessKeyId) is an
// error naming what is wrong but never a secret.
Result<std::vector<Credential>> ParseKeyFile(std::string_view text);

// The inverse of ParseKeyFile, ending in a newline.
std::string SerializeKeyFile(const std::vector<Credential>& credentials);

// The {"AccessKey": {...}} document `aws iam create-access-key` prints for credential (without
// the final newline).
std::string CreateAccessKeyJson(const Credential& credential);

}  // namespace jobstream::auth
