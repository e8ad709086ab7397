// Authorization: what a verified principal may do, from the policies of its user or assumed role
// (narrowed by a session policy), as IAM evaluates them within one account.
#pragma once

#include <string>
#include <string_view>

#include "auth/key_file.h"
#include "auth/sigv4_verifier.h"

namespace jobstream::auth {

// Thread-safe; identities must outlive it.
class Authorizer {
 public:
  Authorizer(const KeyFile& identities, std::string account_id)
      : identities_(identities), account_id_(std::move(account_id)) {}

  // The principal's ARN: arn:aws:iam::<account>:user/<name>, or
  // arn:aws:sts::<account>:assumed-role/<role>/<session> for an assumed role.
  std::string ArnOf(const Principal& principal) const;
  // IAM's unique id of the principal (GetCallerIdentity's UserId): "AIDA…", or "AROA…:<session>".
  std::string UserIdOf(const Principal& principal) const;

  // True when the principal's policies allow action on resource: no explicit Deny, an Allow in
  // the user's (or role's) policies and, for a session with a session policy, in that too.
  bool Allows(const Principal& principal, std::string_view action, std::string_view resource) const;

  const std::string& account_id() const { return account_id_; }
  const KeyFile& identities() const { return identities_; }

 private:
  // Constant after construction.
  const KeyFile& identities_;
  const std::string account_id_;
};

// API Gateway's denial: "User: <arn> is not authorized to perform: <action> on resource: <arn>".
std::string NotAuthorizedMessage(std::string_view principal_arn, std::string_view action, std::string_view resource);

}  // namespace jobstream::auth
