// The identities of one account: users (who hold access keys) and roles (which principals assume
// for temporary credentials), each with inline policies, and the ARNs that name them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iam/policy.h"

namespace jobstream::iam {

// A named policy document, as PutUserPolicy / PutRolePolicy store it: the text as given, and
// the policy parsed from it (never null once loaded).
struct InlinePolicy {
  std::string name;
  std::string document;
  std::shared_ptr<const Policy> policy;
};

struct User {
  std::string name;
  std::string id;           // "AIDA…", as IAM's UserId
  std::string create_date;  // ISO 8601
  std::vector<InlinePolicy> policies;
};

inline constexpr int kDefaultMaxSessionSeconds = 3600;
inline constexpr int kMinSessionSeconds = 900;
inline constexpr int kMaxSessionSeconds = 43200;

struct Role {
  std::string name;
  std::string id;  // "AROA…", as IAM's RoleId
  std::string create_date;
  std::string description;
  int max_session_duration = kDefaultMaxSessionSeconds;  // seconds, 3600–43200
  std::string trust_policy_document;
  std::shared_ptr<const Policy> trust_policy;
  std::vector<InlinePolicy> policies;
};

// Names in the default set-up of every data directory (the reference deployment's).
inline constexpr std::string_view kAdminUserName = "jobstream-admin";
inline constexpr std::string_view kAdminPolicyName = "AdministratorAccess";
inline constexpr std::string_view kInvokeRoleName = "JobsAPIInvokeRole";
inline constexpr std::string_view kInvokeRolePolicyName = "InvokeJobsAPI";

// Every action on every resource.
std::string AdministratorPolicyDocument();
// execute-api:Invoke on POST /jobs and GET /jobs/* of any stage of the API, nothing else.
std::string InvokeJobsPolicyDocument();
// sts:AssumeRole for every principal of account_id.
std::string AccountTrustPolicyDocument(std::string_view account_id);

// An inline policy parsed from document (a refusal carries IAM's MalformedPolicyDocument text).
Result<InlinePolicy> MakeInlinePolicy(std::string name, std::string document);
// The default role, assumable by the account's users, created the first time it is needed.
Role DefaultInvokeRole(std::string_view account_id, std::string create_date);

std::string UserArn(std::string_view account_id, std::string_view user_name);
std::string RoleArn(std::string_view account_id, std::string_view role_name);
std::string AssumedRoleArn(std::string_view account_id, std::string_view role_name, std::string_view session_name);
std::string AccountRootArn(std::string_view account_id);

// IAM's rule for user and role names: 1-64 of A-Z a-z 0-9 + = , . @ _ -.
bool ValidIdentityName(std::string_view name);

}  // namespace jobstream::iam
