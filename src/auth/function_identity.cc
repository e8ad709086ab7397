#include "auth/function_identity.h"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

bool TrustsLambda(const iam::Role& role) {
  // No account id: an account-wide trust ("arn:aws:iam::<account>:root") stands for the
  // account's principals, not for a service acting on its own.
  iam::AccessRequest assume{"sts:AssumeRole", "", kLambdaServicePrincipal, ""};
  return role.trust_policy && role.trust_policy->Evaluate(assume) == iam::Decision::kAllow;
}

std::string NotTrustingLambda(std::string_view role_name) {
  return "the role " + std::string(role_name) +
         R"( does not trust the Lambda service: its trust policy )"
         R"((aws iam create-role --assume-role-policy-document) must allow "sts:AssumeRole" for )"
         R"("Principal": {"Service": "lambda.amazonaws.com"}, as an execution role's does)";
}

}  // namespace

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

std::string LambdaTrustPolicyDocument() {
  return R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ")" +
         std::string(kLambdaServicePrincipal) + R"("}, "Action": "sts:AssumeRole"}]})";
}

iam::Role DefaultFunctionRole(const AwsAccount& account, std::string create_date) {
  iam::Role role;
  role.name = std::string(kDefaultFunctionRoleName);
  // Stable, as the default invoke role's: the same role however often it is made.
  role.id = "AROAJOBSTREAMFUNCTN0";
  role.create_date = std::move(create_date);
  role.description = "Execution role of jobstream's functions: the jobs table and its stream, nothing else";
  role.trust_policy_document = LambdaTrustPolicyDocument();
  role.trust_policy =
      std::make_shared<const iam::Policy>(*iam::Policy::Parse(role.trust_policy_document, iam::PolicyKind::kTrust));
  role.policies.push_back(*iam::MakeInlinePolicy(std::string(kFunctionPolicyName), FunctionPolicyDocument(account)));
  return role;
}

Status EnsureFunctionRole(KeyFile& keys, const AwsAccount& account, std::string_view role_name,
                          std::string_view function_name) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("function " + std::string(function_name) + ": " + why);
  };
  std::optional<iam::Role> role = keys.FindRole(role_name);
  if (!role && role_name == kDefaultFunctionRoleName) {
    Status created = keys.Update([&](KeyFileContents& contents) -> Status {
      bool present = std::any_of(contents.roles->begin(), contents.roles->end(),
                                 [&](const iam::Role& r) { return r.name == role_name; });
      if (!present)
        contents.roles->push_back(DefaultFunctionRole(account, FormatIso8601(std::chrono::system_clock::now())));
      return Status::Ok();
    });
    if (!created.ok()) return created;
    spdlog::info("created the role {} for functions", role_name);
    role = keys.FindRole(role_name);
  }
  if (!role) {
    return fail("its role " + std::string(role_name) +
                " does not exist (create it with `aws iam create-role`, trusting lambda.amazonaws.com, or "
                "leave `role` unset for " +
                std::string(kDefaultFunctionRoleName) + ")");
  }
  if (!TrustsLambda(*role)) return fail(NotTrustingLambda(role_name));
  return Status::Ok();
}

Status RetireLegacyFunctionUser(KeyFile& keys, std::string_view function_name) {
  const std::string user_name = "function." + std::string(function_name);
  auto holds_admin = [](const iam::User& user) {
    return std::any_of(user.policies.begin(), user.policies.end(),
                       [](const iam::InlinePolicy& policy) { return policy.name == iam::kAdminPolicyName; });
  };
  std::optional<iam::User> user = keys.FindUser(user_name);
  if (!user || !holds_admin(*user)) return Status::Ok();
  Status updated = keys.Update([&](KeyFileContents& contents) -> Status {
    for (iam::User& u : *contents.users) {
      if (u.name == user_name) {
        std::erase_if(u.policies, [](const iam::InlinePolicy& p) { return p.name == iam::kAdminPolicyName; });
      }
    }
    return Status::Ok();
  });
  if (updated.ok()) spdlog::info("the user {} (no longer used) lost its implicit AdministratorAccess", user_name);
  return updated;
}

Result<IssuedCredentials> AssumeFunctionRole(const KeyFile& keys, const SessionTokens& tokens,
                                             std::string_view role_name, std::string_view function_name,
                                             std::chrono::seconds lifetime, std::chrono::system_clock::time_point now) {
  std::optional<iam::Role> role = keys.FindRole(role_name);
  if (!role) return Status::NotFound("the role " + std::string(role_name) + " does not exist");
  if (!TrustsLambda(*role)) return Status::InvalidArgument(NotTrustingLambda(role_name));
  std::chrono::seconds duration = std::min(lifetime, std::chrono::seconds(role->max_session_duration));
  // Whole seconds, as the verifier compares them.
  auto expiration = std::chrono::floor<std::chrono::seconds>(now) + duration;
  SessionContext session{role->name, std::string(function_name), "", expiration};
  return IssueTemporaryCredentials(tokens, "", std::move(session), now);
}

}  // namespace jobstream::auth
