#include "auth/key_file_format.h"

#include "common/pretty_json.h"

#include <set>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace jobstream::auth {
namespace json = boost::json;
namespace {

constexpr const char* kFields[] = {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"};

json::object ToJson(const Credential& credential) {
  json::object object;
  object["UserName"] = credential.user_name;
  object["AccessKeyId"] = credential.access_key_id;
  object["Status"] = credential.active ? "Active" : "Inactive";
  object["SecretAccessKey"] = credential.secret_access_key;
  object["CreateDate"] = credential.create_date;
  return object;
}

Status Corrupt(std::string what) { return Status::IOError("credentials.json is corrupt: " + std::move(what)); }

Result<std::vector<Credential>> ParseKeys(const json::value* keys) {
  if (keys == nullptr || !keys->is_array()) return Corrupt("no \"AccessKeys\" array");

  std::vector<Credential> credentials;
  std::set<std::string> seen;
  for (const json::value& entry : keys->get_array()) {
    std::string position = "entry " + std::to_string(credentials.size());
    const json::object* fields = entry.if_object();
    if (fields == nullptr) return Corrupt(position + " is not an object");
    for (const char* name : kFields) {
      const json::value* field = fields->if_contains(name);
      if (field == nullptr || !field->is_string() || field->get_string().empty()) {
        return Corrupt(position + " has no string \"" + name + "\"");
      }
    }
    auto text_of = [fields](const char* name) { return std::string(fields->at(name).get_string()); };
    Credential credential;
    credential.user_name = text_of("UserName");
    credential.access_key_id = text_of("AccessKeyId");
    credential.secret_access_key = text_of("SecretAccessKey");
    credential.create_date = text_of("CreateDate");
    std::string status = text_of("Status");
    if (status != "Active" && status != "Inactive") {
      return Corrupt(fmt::format("{} has Status \"{}\", not Active or Inactive", position, status));
    }
    credential.active = status == "Active";
    if (!seen.insert(credential.access_key_id).second) {
      return Corrupt("access key " + credential.access_key_id + " appears twice");
    }
    credentials.push_back(std::move(credential));
  }
  return credentials;
}

Result<std::string> RequiredString(const json::object& object, std::string_view name, const std::string& where) {
  const json::value* field = object.if_contains(name);
  if (field == nullptr || !field->is_string()) return Corrupt(where + " has no string \"" + std::string(name) + "\"");
  return std::string(field->get_string());
}

Result<std::vector<iam::InlinePolicy>> ParsePolicies(const json::object& owner, const std::string& where) {
  std::vector<iam::InlinePolicy> policies;
  const json::value* list = owner.if_contains("Policies");
  if (list == nullptr) return policies;
  if (!list->is_array()) return Corrupt(where + " has Policies that are not a list");
  for (const json::value& entry : list->get_array()) {
    const json::object* fields = entry.if_object();
    if (fields == nullptr) return Corrupt(where + " has a policy that is not an object");
    auto name = RequiredString(*fields, "PolicyName", where + "'s policy");
    if (!name.ok()) return name.error();
    auto document = RequiredString(*fields, "PolicyDocument", where + "'s policy " + *name);
    if (!document.ok()) return document.error();
    auto policy = iam::MakeInlinePolicy(*name, *document);
    if (!policy.ok()) return Corrupt(where + "'s policy " + *name + " is malformed: " + policy.error().message());
    policies.push_back(std::move(*policy));
  }
  return policies;
}

Result<std::vector<iam::User>> ParseUsers(const json::value& list) {
  if (!list.is_array()) return Corrupt("\"Users\" is not a list");
  std::vector<iam::User> users;
  std::set<std::string> seen;
  for (const json::value& entry : list.get_array()) {
    std::string where = "user " + std::to_string(users.size());
    const json::object* fields = entry.if_object();
    if (fields == nullptr) return Corrupt(where + " is not an object");
    iam::User user;
    for (auto [field, name] :
         {std::pair{&user.name, "UserName"}, {&user.id, "UserId"}, {&user.create_date, "CreateDate"}}) {
      auto value = RequiredString(*fields, name, where);
      if (!value.ok()) return value.error();
      *field = std::move(*value);
    }
    auto policies = ParsePolicies(*fields, "user " + user.name);
    if (!policies.ok()) return policies.error();
    user.policies = std::move(*policies);
    if (!seen.insert(user.name).second) return Corrupt("user " + user.name + " appears twice");
    users.push_back(std::move(user));
  }
  return users;
}

Result<std::vector<iam::Role>> ParseRoles(const json::value& list) {
  if (!list.is_array()) return Corrupt("\"Roles\" is not a list");
  std::vector<iam::Role> roles;
  std::set<std::string> seen;
  for (const json::value& entry : list.get_array()) {
    std::string where = "role " + std::to_string(roles.size());
    const json::object* fields = entry.if_object();
    if (fields == nullptr) return Corrupt(where + " is not an object");
    iam::Role role;
    for (auto [field, name] : {std::pair{&role.name, "RoleName"},
                               {&role.id, "RoleId"},
                               {&role.create_date, "CreateDate"},
                               {&role.description, "Description"},
                               {&role.trust_policy_document, "AssumeRolePolicyDocument"}}) {
      auto value = RequiredString(*fields, name, where);
      if (!value.ok()) return value.error();
      *field = std::move(*value);
    }
    const json::value* duration = fields->if_contains("MaxSessionDuration");
    if (duration == nullptr || !duration->is_int64() || duration->get_int64() < iam::kDefaultMaxSessionSeconds ||
        duration->get_int64() > iam::kMaxSessionSeconds) {
      return Corrupt("role " + role.name + " has no MaxSessionDuration from 3600 to 43200");
    }
    role.max_session_duration = static_cast<int>(duration->get_int64());
    auto trust = iam::Policy::Parse(role.trust_policy_document, iam::PolicyKind::kTrust);
    if (!trust.ok()) return Corrupt("role " + role.name + "'s trust policy is malformed: " + trust.error().message());
    role.trust_policy = std::make_shared<const iam::Policy>(std::move(*trust));
    auto policies = ParsePolicies(*fields, "role " + role.name);
    if (!policies.ok()) return policies.error();
    role.policies = std::move(*policies);
    if (!seen.insert(role.name).second) return Corrupt("role " + role.name + " appears twice");
    roles.push_back(std::move(role));
  }
  return roles;
}

json::array PoliciesJson(const std::vector<iam::InlinePolicy>& policies) {
  json::array list;
  for (const iam::InlinePolicy& policy : policies) {
    list.push_back(json::object{{"PolicyName", policy.name}, {"PolicyDocument", policy.document}});
  }
  return list;
}

}  // namespace

Result<KeyFileContents> ParseKeyFileContents(std::string_view text) {
  std::error_code error;
  json::value root = json::parse(json::string_view(text.data(), text.size()), error);
  if (error) return Corrupt("not JSON (" + error.message() + ")");
  const json::object* object = root.if_object();
  KeyFileContents contents;
  auto keys = ParseKeys(object != nullptr ? object->if_contains("AccessKeys") : nullptr);
  if (!keys.ok()) return keys.error();
  contents.keys = std::move(*keys);
  if (const json::value* users = object->if_contains("Users")) {
    auto parsed = ParseUsers(*users);
    if (!parsed.ok()) return parsed.error();
    contents.users = std::move(*parsed);
  }
  if (const json::value* roles = object->if_contains("Roles")) {
    auto parsed = ParseRoles(*roles);
    if (!parsed.ok()) return parsed.error();
    contents.roles = std::move(*parsed);
  }
  return contents;
}

std::string SerializeKeyFileContents(const KeyFileContents& contents) {
  json::array keys;
  for (const Credential& credential : contents.keys) keys.push_back(ToJson(credential));
  json::object root;
  root["AccessKeys"] = std::move(keys);
  if (contents.users) {
    json::array users;
    for (const iam::User& user : *contents.users) {
      users.push_back(json::object{{"UserName", user.name},
                                   {"UserId", user.id},
                                   {"CreateDate", user.create_date},
                                   {"Policies", PoliciesJson(user.policies)}});
    }
    root["Users"] = std::move(users);
  }
  if (contents.roles) {
    json::array roles;
    for (const iam::Role& role : *contents.roles) {
      roles.push_back(json::object{{"RoleName", role.name},
                                   {"RoleId", role.id},
                                   {"CreateDate", role.create_date},
                                   {"Description", role.description},
                                   {"MaxSessionDuration", role.max_session_duration},
                                   {"AssumeRolePolicyDocument", role.trust_policy_document},
                                   {"Policies", PoliciesJson(role.policies)}});
    }
    root["Roles"] = std::move(roles);
  }
  return PrettyJson(root) + "\n";
}

Result<std::vector<Credential>> ParseKeyFile(std::string_view text) {
  auto contents = ParseKeyFileContents(text);
  if (!contents.ok()) return contents.error();
  return std::move(contents->keys);
}

std::string SerializeKeyFile(const std::vector<Credential>& credentials) {
  return SerializeKeyFileContents(KeyFileContents{credentials, std::nullopt, std::nullopt});
}

std::string CreateAccessKeyJson(const Credential& credential) {
  json::object root;
  root["AccessKey"] = ToJson(credential);
  return PrettyJson(root);
}

}  // namespace jobstream::auth
