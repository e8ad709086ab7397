// Users, their access keys and their inline policies.
#include <algorithm>

#include "auth/sigv4_time.h"
#include "iam/identity.h"
#include "iam_api/iam_operations.h"

namespace jobstream::iam_api {
namespace {

using aws_query::Element;
using aws_query::Find;

constexpr std::size_t kMaxUserName = 64;
constexpr std::size_t kMaxPolicyName = 128;

std::string UserFields(const iam::User& user, const std::string& account) {
  return Element("Path", "/") + Element("UserName", user.name) + Element("UserId", user.id) +
         Element("Arn", iam::UserArn(account, user.name)) + Element("CreateDate", user.create_date);
}

iam::User* FindUser(auth::KeyFileContents& contents, std::string_view name) {
  auto found = std::find_if(contents.users->begin(), contents.users->end(),
                            [&](const iam::User& user) { return user.name == name; });
  return found == contents.users->end() ? nullptr : &*found;
}

Answer NoSuchUser(std::string_view name) {
  return NoSuchEntity("The user with name " + std::string(name) + " cannot be found.");
}

// UserName when given (validated), else the caller, for the operations where IAM defaults it.
std::optional<std::string> UserNameOrCaller(const Call& call, std::string_view caller, Answer* failure) {
  if (Find(call.params, "UserName") == nullptr) return std::string(caller);
  return RequiredName(call, "UserName", "userName", kMaxUserName, failure);
}

std::string KeyFields(const auth::Credential& key) {
  return Element("UserName", key.user_name) + Element("AccessKeyId", key.access_key_id) +
         Element("Status", key.active ? "Active" : "Inactive") + Element("CreateDate", key.create_date);
}

// AccessKeyId: [\w]+, 16-128 characters.
std::optional<std::string> RequiredKeyId(const Call& call, Answer* failure) {
  const std::string* id = Find(call.params, "AccessKeyId");
  if (id == nullptr) {
    *failure = InvalidParameter("null", "accessKeyId", "Member must not be null");
    return std::nullopt;
  }
  bool word = std::all_of(id->begin(), id->end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (id->size() < 16 || id->size() > 128 || !word) {
    *failure = InvalidParameter(*id, "accessKeyId", "Member must satisfy regular expression pattern: [\\w]+");
    return std::nullopt;
  }
  return *id;
}

// The key id of user_name in contents, or a NoSuchEntity answer.
std::optional<Answer> MissingKey(const auth::KeyFileContents& contents, std::string_view user_name,
                                 std::string_view key_id) {
  bool found = std::any_of(contents.keys.begin(), contents.keys.end(), [&](const auth::Credential& key) {
    return key.access_key_id == key_id && key.user_name == user_name;
  });
  if (found) return std::nullopt;
  return NoSuchEntity("The Access Key with id " + std::string(key_id) + " cannot be found.");
}

}  // namespace

Answer CreateUser(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "UserName", "userName", kMaxUserName, &failure);
  if (!name) return failure;
  auto id = auth::NewAccessKeyId("AIDA");
  if (!id.ok()) return Error(500, "ServiceFailure", "Internal server error");
  iam::User user{*name, *id, auth::FormatIso8601(call.now), {}};
  return Change(
      call,
      [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
        if (FindUser(contents, *name) != nullptr) {
          return Error(409, "EntityAlreadyExists", "User with name " + *name + " already exists.");
        }
        contents.users->push_back(user);
        return std::nullopt;
      },
      "<User>" + UserFields(user, call.account) + "</User>");
}

Answer GetUser(const Call& call, std::string_view caller) {
  Answer failure;
  auto name = UserNameOrCaller(call, caller, &failure);
  if (!name) return failure;
  auth::KeyFileContents contents = call.identities.Snapshot();
  const iam::User* user = FindUser(contents, *name);
  if (user == nullptr) return NoSuchUser(*name);
  return Ok("<User>" + UserFields(*user, call.account) + "</User>");
}

Answer ListUsers(const Call& call) {
  std::string members;
  const auth::KeyFileContents contents = call.identities.Snapshot();
  for (const iam::User& user : *contents.users) {
    members += "<member>" + UserFields(user, call.account) + "</member>";
  }
  return Ok("<Users>" + members + "</Users>" + Element("IsTruncated", "false"));
}

Answer DeleteUser(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "UserName", "userName", kMaxUserName, &failure);
  if (!name) return failure;
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::User* user = FindUser(contents, *name);
    if (user == nullptr) return NoSuchUser(*name);
    // As IAM: what hangs off a user goes first, so nothing is revoked by accident.
    if (std::any_of(contents.keys.begin(), contents.keys.end(),
                    [&](const auth::Credential& key) { return key.user_name == *name; })) {
      return Error(409, "DeleteConflict", "Cannot delete entity, must delete access keys first.");
    }
    if (!user->policies.empty()) {
      return Error(409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
    }
    std::erase_if(*contents.users, [&](const iam::User& known) { return known.name == *name; });
    return std::nullopt;
  });
}

Answer CreateAccessKey(const Call& call, std::string_view caller) {
  Answer failure;
  auto name = UserNameOrCaller(call, caller, &failure);
  if (!name) return failure;
  auth::Credential key;
  key.user_name = *name;
  auto secret = auth::NewSecretAccessKey();
  if (!secret.ok()) return Error(500, "ServiceFailure", "Internal server error");
  key.secret_access_key = std::move(*secret);
  key.create_date = auth::FormatIso8601(call.now);
  Answer answer = Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    if (FindUser(contents, *name) == nullptr) return NoSuchUser(*name);
    auto owned = std::count_if(contents.keys.begin(), contents.keys.end(),
                               [&](const auth::Credential& known) { return known.user_name == *name; });
    if (owned >= auth::KeyFile::kMaxKeysPerUser) {
      return Error(409, "LimitExceeded",
                   "Cannot exceed quota for AccessKeysPerUser: " + std::to_string(auth::KeyFile::kMaxKeysPerUser));
    }
    do {
      auto id = auth::NewAccessKeyId("AKIA");
      if (!id.ok()) return Error(500, "ServiceFailure", "Internal server error");
      key.access_key_id = std::move(*id);
    } while (std::any_of(contents.keys.begin(), contents.keys.end(),
                         [&](const auth::Credential& known) { return known.access_key_id == key.access_key_id; }));
    contents.keys.push_back(key);
    return std::nullopt;
  });
  if (!answer.error_code.empty()) return answer;
  // The one place the secret is ever shown.
  return Ok("<AccessKey>" + Element("UserName", key.user_name) + Element("AccessKeyId", key.access_key_id) +
            Element("Status", "Active") + Element("SecretAccessKey", key.secret_access_key) +
            Element("CreateDate", key.create_date) + "</AccessKey>");
}

Answer ListAccessKeys(const Call& call, std::string_view caller) {
  Answer failure;
  auto name = UserNameOrCaller(call, caller, &failure);
  if (!name) return failure;
  auth::KeyFileContents contents = call.identities.Snapshot();
  if (FindUser(contents, *name) == nullptr) return NoSuchUser(*name);
  std::string members;
  for (const auth::Credential& key : contents.keys) {
    if (key.user_name == *name) members += "<member>" + KeyFields(key) + "</member>";
  }
  return Ok(Element("UserName", *name) + "<AccessKeyMetadata>" + members + "</AccessKeyMetadata>" +
            Element("IsTruncated", "false"));
}

Answer UpdateAccessKey(const Call& call, std::string_view caller) {
  Answer failure;
  auto name = UserNameOrCaller(call, caller, &failure);
  if (!name) return failure;
  auto key_id = RequiredKeyId(call, &failure);
  if (!key_id) return failure;
  const std::string* status = Find(call.params, "Status");
  if (status == nullptr || (*status != "Active" && *status != "Inactive")) {
    return InvalidParameter(status == nullptr ? "null" : *status, "status",
                            "Member must satisfy enum value set: [Active, Inactive]");
  }
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    if (auto missing = MissingKey(contents, *name, *key_id)) return missing;
    for (auth::Credential& key : contents.keys) {
      if (key.access_key_id == *key_id) key.active = *status == "Active";
    }
    return std::nullopt;
  });
}

Answer DeleteAccessKey(const Call& call, std::string_view caller) {
  Answer failure;
  auto name = UserNameOrCaller(call, caller, &failure);
  if (!name) return failure;
  auto key_id = RequiredKeyId(call, &failure);
  if (!key_id) return failure;
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    if (auto missing = MissingKey(contents, *name, *key_id)) return missing;
    std::erase_if(contents.keys, [&](const auth::Credential& key) { return key.access_key_id == *key_id; });
    return std::nullopt;
  });
}

Answer GetAccessKeyLastUsed(const Call& call) {
  Answer failure;
  auto key_id = RequiredKeyId(call, &failure);
  if (!key_id) return failure;
  auto key = call.identities.Find(*key_id);
  if (!key) return NoSuchEntity("The Access Key with id " + *key_id + " cannot be found.");
  auto used = call.last_use != nullptr ? call.last_use->Find(*key_id) : std::nullopt;
  // IAM's answer for a key never used: ServiceName and Region "N/A" and no LastUsedDate.
  if (!used) {
    return Ok(Element("UserName", key->user_name) + "<AccessKeyLastUsed>" + Element("ServiceName", "N/A") +
              Element("Region", "N/A") + "</AccessKeyLastUsed>");
  }
  return Ok(Element("UserName", key->user_name) + "<AccessKeyLastUsed>" +
            Element("LastUsedDate", auth::FormatIso8601(used->date)) + Element("ServiceName", used->service) +
            Element("Region", used->region) + "</AccessKeyLastUsed>");
}

Answer PutUserPolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "UserName", "userName", kMaxUserName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  const std::string* document = Find(call.params, "PolicyDocument");
  if (document == nullptr) return InvalidParameter("null", "policyDocument", "Member must not be null");
  auto policy = iam::MakeInlinePolicy(*policy_name, *document);
  if (!policy.ok()) return Error(400, "MalformedPolicyDocument", policy.error().message());
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::User* user = FindUser(contents, *name);
    if (user == nullptr) return NoSuchUser(*name);
    std::erase_if(user->policies, [&](const iam::InlinePolicy& known) { return known.name == *policy_name; });
    user->policies.push_back(*policy);
    return std::nullopt;
  });
}

Answer GetUserPolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "UserName", "userName", kMaxUserName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  auth::KeyFileContents contents = call.identities.Snapshot();
  const iam::User* user = FindUser(contents, *name);
  if (user == nullptr) return NoSuchUser(*name);
  for (const iam::InlinePolicy& policy : user->policies) {
    if (policy.name == *policy_name) {
      return Ok(Element("UserName", *name) + Element("PolicyName", policy.name) +
                Element("PolicyDocument", EncodedDocument(policy.document)));
    }
  }
  return NoSuchEntity("The user policy with name " + *policy_name + " cannot be found.");
}

Answer DeleteUserPolicy(const Call& call) {
  Answer failure;
  auto name = RequiredName(call, "UserName", "userName", kMaxUserName, &failure);
  if (!name) return failure;
  auto policy_name = RequiredName(call, "PolicyName", "policyName", kMaxPolicyName, &failure);
  if (!policy_name) return failure;
  return Change(call, [&](auth::KeyFileContents& contents) -> std::optional<Answer> {
    iam::User* user = FindUser(contents, *name);
    if (user == nullptr) return NoSuchUser(*name);
    if (std::erase_if(user->policies, [&](const iam::InlinePolicy& known) { return known.name == *policy_name; }) ==
        0) {
      return NoSuchEntity("The user policy with name " + *policy_name + " cannot be found.");
    }
    return std::nullopt;
  });
}

}  // namespace jobstream::iam_api
