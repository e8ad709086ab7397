#include "dynamodb/expression_attributes.h"

#include <string_view>

#include "dynamodb/attribute_value.h"

namespace jobstream::dynamodb {
namespace {

bool ValidKey(std::string_view key, char prefix) {
  if (key.size() < 2 || key.front() != prefix) return false;
  for (char c : key.substr(1)) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word) return false;
  }
  return true;
}

Status Unused(std::string_view map, const boost::json::object& given, std::initializer_list<const PlaceholderUse*> uses,
              bool names) {
  std::string keys;
  for (const auto& [key, value] : given) {
    bool used = false;
    for (const PlaceholderUse* use : uses) {
      if (use == nullptr) continue;
      const std::set<std::string>& set = names ? use->names : use->values;
      used = used || set.count(std::string(key)) > 0;
    }
    if (!used) keys += (keys.empty() ? "" : ", ") + std::string(key);
  }
  if (keys.empty()) return Status::Ok();
  return Status::InvalidArgument("Value provided in " + std::string(map) + " unused in expressions: keys: {" + keys +
                                 "}");
}

}  // namespace

Status ValidateExpressionAttributes(const ExpressionAttributes& attributes) {
  if (attributes.names != nullptr) {
    if (attributes.names->empty()) return Status::InvalidArgument("ExpressionAttributeNames must not be empty");
    for (const auto& [key, name] : *attributes.names) {
      if (!ValidKey(key, '#')) {
        return Status::InvalidArgument("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" +
                                       std::string(key) + "\"");
      }
      if (!name.is_string() || name.get_string().empty()) {
        return Status::InvalidArgument(
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key " + std::string(key));
      }
    }
  }
  if (attributes.values != nullptr) {
    if (attributes.values->empty()) return Status::InvalidArgument("ExpressionAttributeValues must not be empty");
    for (const auto& [key, value] : *attributes.values) {
      if (!ValidKey(key, ':')) {
        return Status::InvalidArgument("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" +
                                       std::string(key) + "\"");
      }
      if (Status status = ValidateAttributeValue(value); !status.ok()) {
        return Status::InvalidArgument("ExpressionAttributeValues contains invalid value: " + status.message() +
                                       " for key " + std::string(key));
      }
    }
  }
  return Status::Ok();
}

Status CheckAllPlaceholdersUsed(const ExpressionAttributes& attributes,
                                std::initializer_list<const PlaceholderUse*> uses) {
  if (attributes.names != nullptr) {
    if (Status status = Unused("ExpressionAttributeNames", *attributes.names, uses, true); !status.ok()) return status;
  }
  if (attributes.values != nullptr) {
    if (Status status = Unused("ExpressionAttributeValues", *attributes.values, uses, false); !status.ok()) {
      return status;
    }
  }
  return Status::Ok();
}

}  // namespace jobstream::dynamodb
