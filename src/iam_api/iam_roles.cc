// Roles and their inline policies.
#include <algorithm>

#include "auth/sigv4_time.h"
#include "iam/identity.h"
#include "iam_api/iam_operations.h"

namespace jobstream::iam_api {
namespace {

using aws_query::Element;
using aws_query::Find;

constexpr std::size_t kMaxRoleName = 64;
constexpr std::size_t kMaxPolicyName = 128;
constexpr std::size_t kMaxDescription = 1000;

std::string RoleFields(const iam::Role& role, const std::string& account) {
  std::string fields = Element("Path", "/") + Element("RoleName", role.name) + Element("RoleId", role.id) +
                       Element("Arn", iam::RoleArn(account, role.name)) + Element("CreateDate", role.create_date) +
                       Element("AssumeRolePolicyDocument", EncodedDocument(role.trust_policy_document));
  if (!role.description.empty()) fields += Element("Description", role.description);
  return fields + Element("MaxSessionDuration", std::to_string(role.max_session_duration));
}

iam::Role* FindRole(auth::KeyFileContents& contents, std::string_view name) {
  auto found = std::find_if(contents.roles->begin(), contents.roles->end(),
                            [&](const iam::Role& role) { return role.name == name; });
  return found == contents.roles->end() ? nullptr : &*found;
}

Answer NoSuchRole(std::string_view name) {
  return NoSuchEntity("The role with name " + std::string(name) + " cannot be found.");
}

Answer NoSuchRolePolicy(std::string_view name) {
  return NoSuchEntity("The role policy with name " + std::string(name) + " cannot be found.");
}

// MaxSessionDuration: absent → IAM's default; else an integer in [3600, 43200].
std::optional<int> SessionDuration(const Call& call, Answer* failure) {
  const std::string* text = Find(call.params, "MaxSessionDuration");
  if (text == nullptr) return iam::kDefaultMaxSessionSeconds;
  bool digits = !text->empty() && text->size() <= 9 &&
                std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  int value = digits ? std::stoi(*text) : 0;
  if (!digits || value < iam::kDefaultMaxSessionSeconds || value > iam::kMaxSessionSeconds) {
    *failure = InvalidParameter(*text, "maxSessionDuration",
                                "Member must have value between " + std::to_string(iam::kDefaultMaxSessionSeconds) +
                                    " and " + std::to_string(iam::kMaxSessionSeconds));
    return std::nullopt;
  }
  return value;
}

}  // namespace

Answer CreateRole(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  const std::string* trust = Find(call.params, "AssumeRolePolicyDocument");
  if (trust == nullptr) return InvalidParameter("null", "assumeRolePolicyDocument", "Member must not be null");
  auto parsed = iam::Policy::Parse(*trust, iam::PolicyKind::kTrust);
  if (!parsed.ok()) return Error(400, "MalformedPolicyDocument", parsed.error().message());
  auto duration = SessionDuration(call, &failure);
  if (!duration) return failure;
  const std::string* description = Find(call.params, "Description");
  if (description != nullptr && description->size() > kMaxDescription) {
    return InvalidParameter(*description, "description", "Member must have length less than or equal to 1000");
  }
  auto id = auth::NewAccessKeyId("AROA");
  if (!id.ok()) return Error(500, "ServiceFailure", "Internal server error");
  iam::Role role;
  role.name = *name;
  role.id = std::move(*id);
  role.create_date = auth::FormatIso8601(call.now);
  role.description = description == nullptr ? "" : *description;
  role.max_session_duration = *duration;
  role.trust_policy_document = *trust;
  role.trust_policy = std::make_shared<const iam::Policy>(std::move(*parsed));
  return Change(
      call,
      [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
        if (FindRole(contents, *name) != nullptr) {
          return Error(409, "EntityAlreadyExists", "Role with name " + *name + " already exists.");
        }
        contents.roles->push_back(role);
        return std::nullopt;
      },
      "<Role>" + RoleFields(role, call.account) + "</Role>");
}

Answer GetRole(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  auth::KeyFileContents contents = call.identities.Snapshot();
  const iam::Role* role = FindRole(contents, *name);
  if (role == nullptr) return NoSuchRole(*name);
  return Ok("<Role>" + RoleFields(*role, call.account) + "</Role>");
}

Answer ListRoles(const Call& call) {
  std::string members;
  const auth::KeyFileContents contents = call.identities.Snapshot();
  for (const iam::Role& role : *contents.roles) {
    members += "<member>" + RoleFields(role, call.account) + "</member>";
  }
  return Ok("<Roles>" + members + "</Roles>" + Element("IsTruncated", "false"));
}

Answer DeleteRole(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::Role* role = FindRole(contents, *name);
    if (role == nullptr) return NoSuchRole(*name);
    if (!role->policies.empty()) {
      return Error(409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
    }
    std::erase_if(*contents.roles, [&](const iam::Role& known) { return known.name == *name; });
    return std::nullopt;
  });
}

Answer PutRolePolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  const std::string* document = Find(call.params, "PolicyDocument");
  if (document == nullptr) return InvalidParameter("null", "policyDocument", "Member must not be null");
  auto policy = iam::MakeInlinePolicy(*policy_name, *document);
  if (!policy.ok()) return Error(400, "MalformedPolicyDocument", policy.error().message());
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::Role* role = FindRole(contents, *name);
    if (role == nullptr) return NoSuchRole(*name);
    std::erase_if(role->policies, [&](const iam::InlinePolicy& known) { return known.name == *policy_name; });
    role->policies.push_back(*policy);
    return std::nullopt;
  });
}

Answer GetRolePolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  auth::KeyFileContents contents = call.identities.Snapshot();
  const iam::Role* role = FindRole(contents, *name);
  if (role == nullptr) return NoSuchRole(*name);
  for (const iam::InlinePolicy& policy : role->policies) {
    if (policy.name == *policy_name) {
      return Ok(Element("RoleName", *name) + Element("PolicyName", policy.name) +
                Element("PolicyDocument", EncodedDocument(policy.document)));
    }
  }
  return NoSuchRolePolicy(*policy_name);
}

Answer DeleteRolePolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "RoleName", "roleName", kMaxRoleName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::Role* role = FindRole(contents, *name);
    if (role == nullptr) return NoSuchRole(*name);
    if (std::erase_if(role->policies, [&](const iam::InlinePolicy& known) { return known.name == *policy_name; }) ==
        0) {
      return NoSuchRolePolicy(*policy_name);
    }
    return std::nullopt;
  });
}

}  // namespace jobstream::iam_api
