// The JSON documents of long-term keys: credentials.json on disk, and the document
// `aws iam create-access-key` prints. Both pretty-printed with 4-space indents, as awscli does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_store.h"
#include "common/result.h"
#include "iam/identity.h"

namespace jobstream::auth {

// Everything credentials.json holds.
struct KeyFileContents {
  std::vector<Credential> keys;
  // Absent in files from before identities, and until a user is created through IAM: every
  // user a key names then exists, with full rights, as every key had before.
  std::optional<std::vector<iam::User>> users;
  // Absent until a role is created or changed through IAM: the default set-up (the role
  // JobsAPIInvokeRole) applies.
  std::optional<std::vector<iam::Role>> roles;
};

// {"AccessKeys": [...], "Users": [{"UserName", "UserId", "CreateDate", "Policies": [{"PolicyName",
// "PolicyDocument"}]}], "Roles": [{"RoleName", "RoleId", "CreateDate", "Description",
// "MaxSessionDuration", "AssumeRolePolicyDocument", "Policies"}]}, Users and Roles optional. A
// policy that does not parse makes the whole file corrupt (deny by default).
Result<KeyFileContents> ParseKeyFileContents(std::string_view text);
std::string SerializeKeyFileContents(const KeyFileContents& contents);

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
