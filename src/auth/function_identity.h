// A function's own identity, standing in for a Lambda execution role until functions get roles
// of their own: the IAM user `function.<name>` with one access key, made the first time the
// function runs and kept (revoke it with `jobstream keys delete`), and one inline policy,
// kFunctionPolicyName, that lets it use the jobs table and its stream through the DynamoDB and
// DynamoDB Streams APIs and nothing else. Deny by default: a function cannot submit jobs, pause
// consumers or manage identities. An administrator may change the policy or add others with
// `jobstream iam put-user-policy`; it is put back only when missing, and AdministratorAccess
// (which every user of a file from before identities holds implicitly) is taken away.
#pragma once

#include <string>
#include <string_view>

#include "auth/key_file.h"
#include "common/aws_account.h"
#include "common/result.h"

namespace jobstream::auth {

inline constexpr std::string_view kFunctionPolicyName = "jobstream-function-table-access";

struct FunctionKey {
  std::string access_key_id;
  std::string secret_access_key;  // never logged
};

// The user name of a function's identity.
std::string FunctionUserName(std::string_view function_name);
// The policy document: dynamodb:* on the table and its streams, ListTables and ListStreams.
std::string FunctionPolicyDocument(const AwsAccount& account);

// The function's active key, made (with its user) when it has none; then the user's policy is
// set as described above.
Result<FunctionKey> FunctionKeyFor(KeyFile& keys, const AwsAccount& account, std::string_view function_name);

}  // namespace jobstream::auth
