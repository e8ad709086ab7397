#include "auth/authorizer.h"

#include "iam/identity.h"
#include "iam/policy.h"

namespace jobstream::auth {

std::string Authorizer::ArnOf(const Principal& principal) const {
  if (principal.session && !principal.session->role_name.empty()) {
    return iam::AssumedRoleArn(account_id_, principal.session->role_name, principal.session->session_name);
  }
  return iam::UserArn(account_id_, principal.user_name);
}

std::string Authorizer::UserIdOf(const Principal& principal) const {
  if (principal.session && !principal.session->role_name.empty()) {
    auto role = identities_.FindRole(principal.session->role_name);
    return (role ? role->id : std::string("AROA")) + ":" + principal.session->session_name;
  }
  auto user = identities_.FindUser(principal.user_name);
  return user ? user->id : std::string();
}

bool Authorizer::Allows(const Principal& principal, std::string_view action, std::string_view resource) const {
  std::vector<iam::InlinePolicy> inline_policies;
  if (principal.session && !principal.session->role_name.empty()) {
    auto role = identities_.FindRole(principal.session->role_name);
    if (!role) return false;  // deleted since the session began: nothing left to allow
    inline_policies = std::move(role->policies);
  } else {
    auto user = identities_.FindUser(principal.user_name);
    if (!user) return false;
    inline_policies = std::move(user->policies);
  }
  std::vector<const iam::Policy*> policies;
  policies.reserve(inline_policies.size());
  for (const iam::InlinePolicy& policy : inline_policies) policies.push_back(policy.policy.get());
  std::optional<iam::Policy> session_policy;
  if (principal.session && !principal.session->session_policy.empty()) {
    // Validated when the session was issued; a token is sealed, so this only fails if the
    // grammar changed since. Deny rather than drop the narrowing.
    auto parsed = iam::Policy::Parse(principal.session->session_policy);
    if (!parsed.ok()) return false;
    session_policy = std::move(*parsed);
  }
  std::string principal_arn = ArnOf(principal);
  return iam::IsAllowed(policies, session_policy ? &*session_policy : nullptr,
                        {action, resource, principal_arn, account_id_});
}

std::string NotAuthorizedMessage(std::string_view principal_arn, std::string_view action, std::string_view resource) {
  return "User: " + std::string(principal_arn) + " is not authorized to perform: " + std::string(action) +
         " on resource: " + std::string(resource);
}

}  // namespace jobstream::auth
