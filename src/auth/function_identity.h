// A function's identity, as a Lambda function's execution role: every exec and lambda function
// runs as a role (its `role` setting; by default kDefaultFunctionRoleName) and gets that role's
// temporary credentials, minted as STS AssumeRole mints them, for the assumed-role principal
// arn:aws:sts::<account>:assumed-role/<role>/<function name> (Lambda's session name is the
// function's name). The role must trust the Lambda service ("Principal": {"Service":
// "lambda.amazonaws.com"}), as an execution role must on AWS; its policies decide what the
// function may do. The default role's one inline policy, kFunctionPolicyName, lets it use the
// jobs table and its stream through the DynamoDB and DynamoDB Streams APIs and nothing else: deny
// by default, a function cannot submit jobs, pause consumers or manage identities.
//
// Before roles, each function had a long-term key of an IAM user `function.<name>`; such users
// and keys in older data directories are left alone but no longer handed out.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/key_file.h"
#include "auth/session_token.h"
#include "auth/temporary_credentials.h"
#include "common/aws_account.h"
#include "common/result.h"
#include "iam/identity.h"

namespace jobstream::auth {

inline constexpr std::string_view kDefaultFunctionRoleName = "jobstream-function-role";
inline constexpr std::string_view kFunctionPolicyName = "jobstream-function-table-access";
// The principal an execution role's trust policy names, and that assumes it for a function.
inline constexpr std::string_view kLambdaServicePrincipal = "lambda.amazonaws.com";

// The default role's policy document: dynamodb:* on the table and its streams, ListTables and
// ListStreams.
std::string FunctionPolicyDocument(const AwsAccount& account);
// sts:AssumeRole for the Lambda service only (no user of the account may assume it).
std::string LambdaTrustPolicyDocument();
// The default execution role, created in the key file the first time a function needs it.
iam::Role DefaultFunctionRole(const AwsAccount& account, std::string create_date);

// Checks at start-up that role_name can be a function's execution role: the default role is
// created when missing; any other must exist. Either must trust the Lambda service. The message
// names the function and the role.
Status EnsureFunctionRole(KeyFile& keys, const AwsAccount& account, std::string_view role_name,
                          std::string_view function_name);

// A long-term user `function.<name>` that an earlier version made for function_name keeps its
// key (no longer handed out), but not AdministratorAccess, which a file from before identities
// gives every key's user implicitly. Does nothing when there is no such user.
Status RetireLegacyFunctionUser(KeyFile& keys, std::string_view function_name);

// Temporary credentials of role_name for function_name, valid for `lifetime` capped at the role's
// MaxSessionDuration. NotFound when the role no longer exists, InvalidArgument when it no longer
// trusts the Lambda service.
Result<IssuedCredentials> AssumeFunctionRole(const KeyFile& keys, const SessionTokens& tokens,
                                             std::string_view role_name, std::string_view function_name,
                                             std::chrono::seconds lifetime, std::chrono::system_clock::time_point now);

}  // namespace jobstream::auth
