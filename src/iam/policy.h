// IAM JSON policy documents: the grammar (Version, Statement, Effect, Action/NotAction,
// Resource/NotResource, Principal in trust policies) and their evaluation: an explicit Deny wins,
// and what no statement allows is denied.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace jobstream::iam {

// The longest document accepted at all; callers apply IAM's own quotas (2,048 characters for a
// session policy or a trust policy, 10,240 for a role's inline policies together).
inline constexpr std::size_t kMaxPolicyDocumentLength = 10240;

// The error code IAM and STS answer a bad document with; PolicyError::message is IAM's text.
inline constexpr std::string_view kMalformedPolicyDocument = "MalformedPolicyDocument";

enum class PolicyKind {
  kIdentity,  // attached to a user or role, or a session policy: no Principal
  kTrust,     // a role's AssumeRolePolicyDocument: a Principal, no Resource
};

enum class Effect { kAllow, kDeny };

enum class Decision {
  kImplicitDeny,  // no statement applies
  kAllow,
  kExplicitDeny,
};

struct Statement {
  Effect effect = Effect::kAllow;
  bool not_action = false;  // `actions` came from NotAction
  std::vector<std::string> actions;
  bool not_resource = false;           // `resources` came from NotResource
  std::vector<std::string> resources;  // empty in a trust policy
  // trust policy: AWS principals as written, "*" for anyone, and services by name
  // ("lambda.amazonaws.com")
  std::vector<std::string> principals;
};

// What a request asks for. principal_arn and account_id matter for trust policies only.
struct AccessRequest {
  std::string_view action;    // "execute-api:Invoke"
  std::string_view resource;  // "arn:aws:execute-api:us-east-1:123456789012:jobstream/prod/POST/jobs"
  std::string_view principal_arn;
  std::string_view account_id;
};

class Policy {
 public:
  // Parses and validates text; a refusal carries IAM's MalformedPolicyDocument message.
  static Result<Policy> Parse(std::string_view text, PolicyKind kind = PolicyKind::kIdentity);

  // This document's verdict alone.
  Decision Evaluate(const AccessRequest& request) const;

  const std::vector<Statement>& statements() const { return statements_; }

 private:
  std::vector<Statement> statements_;
};

// The verdict of a principal's policies: allowed only if no statement of any of them denies, one
// of `identity` allows, and, when there is a session policy, it allows too (a session policy
// narrows the role's rights, never widens them).
bool IsAllowed(const std::vector<const Policy*>& identity, const Policy* session, const AccessRequest& request);

}  // namespace jobstream::iam
