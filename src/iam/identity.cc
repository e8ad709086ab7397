#include "iam/identity.h"

#include <algorithm>

namespace jobstream::iam {

std::string AdministratorPolicyDocument() {
  return R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})";
}

std::string InvokeJobsPolicyDocument() {
  return R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", )"
         R"("Resource": ["arn:aws:execute-api:*:*:*/*/POST/jobs", "arn:aws:execute-api:*:*:*/*/GET/jobs/*"]}]})";
}

std::string AccountTrustPolicyDocument(std::string_view account_id) {
  return R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ")" +
         AccountRootArn(account_id) + R"("}, "Action": "sts:AssumeRole"}]})";
}

Result<InlinePolicy> MakeInlinePolicy(std::string name, std::string document) {
  auto parsed = Policy::Parse(document, PolicyKind::kIdentity);
  if (!parsed.ok()) return parsed.error();
  return InlinePolicy{std::move(name), std::move(document), std::make_shared<const Policy>(std::move(*parsed))};
}

Role DefaultInvokeRole(std::string_view account_id, std::string create_date) {
  Role role;
  role.name = std::string(kInvokeRoleName);
  // Stable: the role is the same one however often it is synthesised.
  role.id = "AROAJOBSTREAMINVOKE0";
  role.create_date = std::move(create_date);
  role.description = "May invoke POST /jobs and GET /jobs/{id}; assumable by the account's users";
  role.trust_policy_document = AccountTrustPolicyDocument(account_id);
  role.trust_policy = std::make_shared<const Policy>(*Policy::Parse(role.trust_policy_document, PolicyKind::kTrust));
  role.policies.push_back(*MakeInlinePolicy(std::string(kInvokeRolePolicyName), InvokeJobsPolicyDocument()));
  return role;
}

std::string UserArn(std::string_view account_id, std::string_view user_name) {
  return "arn:aws:iam::" + std::string(account_id) + ":user/" + std::string(user_name);
}

std::string RoleArn(std::string_view account_id, std::string_view role_name) {
  return "arn:aws:iam::" + std::string(account_id) + ":role/" + std::string(role_name);
}

std::string AssumedRoleArn(std::string_view account_id, std::string_view role_name, std::string_view session_name) {
  return "arn:aws:sts::" + std::string(account_id) + ":assumed-role/" + std::string(role_name) + "/" +
         std::string(session_name);
}

std::string AccountRootArn(std::string_view account_id) { return "arn:aws:iam::" + std::string(account_id) + ":root"; }

bool ValidIdentityName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("+=,.@_-").find(c) != std::string_view::npos;
  });
}

}  // namespace jobstream::iam
