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

}  // namespace

Result<std::vector<Credential>> ParseKeyFile(std::string_view text) {
  std::error_code error;
  json::value root = json::parse(json::string_view(text.data(), text.size()), error);
  if (error) return Corrupt("not JSON (" + error.message() + ")");
  const json::object* object = root.if_object();
  const json::value* keys = object != nullptr ? object->if_contains("AccessKeys") : nullptr;
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

std::string SerializeKeyFile(const std::vector<Credential>& credentials) {
  json::array keys;
  for (const Credential& credential : credentials) keys.push_back(ToJson(credential));
  json::object root;
  root["AccessKeys"] = std::move(keys);
  return PrettyJson(root) + "\n";
}

std::string CreateAccessKeyJson(const Credential& credential) {
  json::object root;
  root["AccessKey"] = ToJson(credential);
  return PrettyJson(root);
}

}  // namespace jobstream::auth
