#include "auth/function_identity.h"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "iam/identity.h"

namespace jobstream::auth {

std::string FunctionUserName(std::string_view function_name) { return "function." + std::string(function_name); }

std::string FunctionPolicyDocument(const AwsAccount& account) {
  boost::json::value document = {
      {"Version", "2012-10-17"},
      {"Statement",
       boost::json::array{
           boost::json::object{{"Sid", "JobsTableAndStream"},
                               {"Effect", "Allow"},
                               {"Action", "dynamodb:*"},
                               {"Resource", boost::json::array{account.TableArn(), account.TableArn() + "/stream/*"}}},
           boost::json::object{{"Sid", "ListTablesAndStreams"},
                               {"Effect", "Allow"},
                               {"Action", boost::json::array{"dynamodb:ListTables", "dynamodb:ListStreams"}},
                               {"Resource", "*"}}}}};
  return boost::json::serialize(document);
}

namespace {

bool Has(const iam::User& user, std::string_view policy_name) {
  return std::any_of(user.policies.begin(), user.policies.end(),
                     [policy_name](const iam::InlinePolicy& policy) { return policy.name == policy_name; });
}

// The function's policy present and no AdministratorAccess: a file from before identities gives
// every key's user full rights implicitly, which a function's user must not keep.
bool Settled(const iam::User& user) { return Has(user, kFunctionPolicyName) && !Has(user, iam::kAdminPolicyName); }

}  // namespace

Result<FunctionKey> FunctionKeyFor(KeyFile& keys, const AwsAccount& account, std::string_view function_name) {
  const std::string user_name = FunctionUserName(function_name);
  std::optional<FunctionKey> found;
  for (const auto& key : keys.List()) {
    if (key.user_name == user_name && key.active) {
      found = FunctionKey{key.access_key_id, key.secret_access_key};
      break;
    }
  }
  if (!found) {
    auto created = keys.Create(user_name);
    if (!created.ok()) return created.error();
    spdlog::info("created access key {} for function {}", created->access_key_id, function_name);
    found = FunctionKey{created->access_key_id, created->secret_access_key};
  }
  auto user = keys.FindUser(user_name);
  if (user && Settled(*user)) return *found;

  auto policy = iam::MakeInlinePolicy(std::string(kFunctionPolicyName), FunctionPolicyDocument(account));
  if (!policy.ok()) return policy.error();
  Status updated = keys.Update([&](KeyFileContents& contents) -> Status {
    for (iam::User& u : *contents.users) {
      if (u.name != user_name) continue;
      std::erase_if(u.policies, [](const iam::InlinePolicy& p) { return p.name == iam::kAdminPolicyName; });
      if (!Has(u, kFunctionPolicyName)) u.policies.push_back(*policy);
      return Status::Ok();
    }
    return Status::NotFound("the user " + user_name + " of function " + std::string(function_name) +
                            " disappeared while its policy was being set");
  });
  if (!updated.ok()) return updated;
  return *found;
}

}  // namespace jobstream::auth
