#include "dynamodb/attribute_value.h"

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "dynamodb/number.h"

namespace jobstream::dynamodb {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 10> kTypeNames = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};

Status Invalid(std::string_view detail) {
  return Status::InvalidArgument("One or more parameter values were invalid: " + std::string(detail));
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The canonical members of a set, for duplicate checks and order-free equality.
std::optional<std::vector<std::string>> SetMembers(AttributeType type, const json::array& members) {
  std::vector<std::string> canonical;
  canonical.reserve(members.size());
  for (const json::value& member : members) {
    const json::string* text = member.if_string();
    if (text == nullptr) return std::nullopt;
    if (type == AttributeType::kNS) {
      auto number = Number::Parse(*text);
      if (!number.ok()) return std::nullopt;
      canonical.push_back(number->ToString());
    } else if (type == AttributeType::kBS) {
      auto bytes = DecodeBase64(*text);
      if (!bytes) return std::nullopt;
      canonical.push_back(std::move(*bytes));
    } else {
      canonical.emplace_back(*text);
    }
  }
  std::sort(canonical.begin(), canonical.end());
  return canonical;
}

Status ValidateSet(AttributeType type, const json::value& payload) {
  const json::array* members = payload.if_array();
  if (members == nullptr) return Invalid("A set must be a list of strings");
  if (members->empty()) {
    // DynamoDB's wording, including its article and its double space.
    if (type == AttributeType::kSS) return Invalid("An string set  may not be empty");
    if (type == AttributeType::kNS) return Invalid("An number set  may not be empty");
    return Invalid("Binary sets should not be empty");
  }
  for (const json::value& member : *members) {
    const json::string* text = member.if_string();
    if (text == nullptr) return Invalid("A set must be a list of strings");
    if (type == AttributeType::kNS) {
      auto number = Number::Parse(*text);
      if (!number.ok()) return number.error();
    } else if (type == AttributeType::kBS && !DecodeBase64(*text)) {
      return Invalid("Binary set member is not valid base64");
    }
  }
  auto canonical = SetMembers(type, *members);
  if (canonical && std::adjacent_find(canonical->begin(), canonical->end()) != canonical->end()) {
    std::string listed;
    for (const json::value& member : *members) {
      listed += listed.empty() ? "" : ", ";
      listed += member.get_string();
    }
    return Invalid("Input collection [" + listed + "] contains duplicates.");
  }
  return Status::Ok();
}

Status Validate(const json::value& value, int depth) {
  if (depth > kMaxNestingDepth) return Invalid("Nesting Levels have exceeded supported limits");
  const json::object* object = value.if_object();
  if (object == nullptr || object->empty()) {
    return Status::InvalidArgument(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  if (object->size() > 1) {
    return Status::InvalidArgument(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  }
  auto type = TypeOf(value);
  if (!type) {
    return Status::InvalidArgument(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  const json::value& payload = object->begin()->value();
  switch (*type) {
    case AttributeType::kS:
      if (!payload.is_string()) return Invalid("A value of type S must be a string");
      return Status::Ok();
    case AttributeType::kN: {
      if (!payload.is_string()) return Invalid("A value of type N must be a string");
      auto number = Number::Parse(payload.get_string());
      return number.ok() ? Status::Ok() : number.error();
    }
    case AttributeType::kB:
      if (!payload.is_string() || !DecodeBase64(payload.get_string()))
        return Invalid("A value of type B must be base64");
      return Status::Ok();
    case AttributeType::kBool:
      if (!payload.is_bool()) return Invalid("A value of type BOOL must be true or false");
      return Status::Ok();
    case AttributeType::kNull:
      if (!payload.is_bool() || !payload.get_bool()) {
        return Invalid("Null attribute value types must have the value of true");
      }
      return Status::Ok();
    case AttributeType::kM: {
      const json::object* map = payload.if_object();
      if (map == nullptr) return Invalid("A value of type M must be an object");
      for (const auto& [key, member] : *map) {
        if (Status status = Validate(member, depth + 1); !status.ok()) return status;
      }
      return Status::Ok();
    }
    case AttributeType::kL: {
      const json::array* list = payload.if_array();
      if (list == nullptr) return Invalid("A value of type L must be an array");
      for (const json::value& member : *list) {
        if (Status status = Validate(member, depth + 1); !status.ok()) return status;
      }
      return Status::Ok();
    }
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS:
      return ValidateSet(*type, payload);
  }
  return Status::Ok();
}

}  // namespace

std::optional<AttributeType> TypeOf(const json::value& value) {
  const json::object* object = value.if_object();
  if (object == nullptr || object->size() != 1) return std::nullopt;
  return TypeFromName(object->begin()->key());
}

std::string_view TypeName(AttributeType type) { return kTypeNames.at(static_cast<std::size_t>(type)); }

std::optional<AttributeType> TypeFromName(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<AttributeType>(i);
  }
  return std::nullopt;
}

Status ValidateAttributeValue(const json::value& value) { return Validate(value, 1); }

Status ValidateItem(const Item& item) {
  for (const auto& [name, value] : item) {
    if (Status status = ValidateAttributeValue(value); !status.ok()) return status;
  }
  return Status::Ok();
}

bool AttributeEquals(const json::value& a, const json::value& b) {
  auto type = TypeOf(a);
  if (!type || type != TypeOf(b)) return false;
  const json::value& x = a.get_object().begin()->value();
  const json::value& y = b.get_object().begin()->value();
  switch (*type) {
    case AttributeType::kN:
      return x.is_string() && y.is_string() && NumberTextEquals(x.get_string(), y.get_string());
    case AttributeType::kB: {
      auto x_bytes = x.is_string() ? DecodeBase64(x.get_string()) : std::nullopt;
      auto y_bytes = y.is_string() ? DecodeBase64(y.get_string()) : std::nullopt;
      return x_bytes && y_bytes && *x_bytes == *y_bytes;
    }
    case AttributeType::kM: {
      const json::object* xm = x.if_object();
      const json::object* ym = y.if_object();
      if (xm == nullptr || ym == nullptr || xm->size() != ym->size()) return false;
      for (const auto& [key, member] : *xm) {
        auto it = ym->find(key);
        if (it == ym->end() || !AttributeEquals(member, it->value())) return false;
      }
      return true;
    }
    case AttributeType::kL: {
      const json::array* xl = x.if_array();
      const json::array* yl = y.if_array();
      if (xl == nullptr || yl == nullptr || xl->size() != yl->size()) return false;
      for (std::size_t i = 0; i < xl->size(); ++i) {
        if (!AttributeEquals((*xl)[i], (*yl)[i])) return false;
      }
      return true;
    }
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS: {
      if (!x.is_array() || !y.is_array()) return false;
      auto xs = SetMembers(*type, x.get_array());
      auto ys = SetMembers(*type, y.get_array());
      return xs && ys && *xs == *ys;
    }
    default:
      return x == y;
  }
}

std::optional<int> CompareOrdered(const json::value& a, const json::value& b) {
  auto type = TypeOf(a);
  if (!type || type != TypeOf(b)) return std::nullopt;
  const json::value& x = a.get_object().begin()->value();
  const json::value& y = b.get_object().begin()->value();
  if (!x.is_string() || !y.is_string()) return std::nullopt;
  auto sign = [](int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); };
  switch (*type) {
    case AttributeType::kN: {
      auto xn = Number::Parse(x.get_string());
      auto yn = Number::Parse(y.get_string());
      if (!xn.ok() || !yn.ok()) return std::nullopt;
      return Compare(*xn, *yn);
    }
    case AttributeType::kS:
      // std::string_view compares as unsigned char: the UTF-8 byte order DynamoDB uses.
      return sign(std::string_view(x.get_string()).compare(std::string_view(y.get_string())));
    case AttributeType::kB: {
      auto xb = DecodeBase64(x.get_string());
      auto yb = DecodeBase64(y.get_string());
      if (!xb || !yb) return std::nullopt;
      return sign(xb->compare(*yb));
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::size_t> AttributeSize(const json::value& value) {
  auto type = TypeOf(value);
  if (!type) return std::nullopt;
  const json::value& payload = value.get_object().begin()->value();
  switch (*type) {
    case AttributeType::kS:
      return payload.is_string() ? std::optional<std::size_t>(payload.get_string().size()) : std::nullopt;
    case AttributeType::kB: {
      auto bytes = payload.is_string() ? DecodeBase64(payload.get_string()) : std::nullopt;
      return bytes ? std::optional<std::size_t>(bytes->size()) : std::nullopt;
    }
    case AttributeType::kM:
      return payload.is_object() ? std::optional<std::size_t>(payload.get_object().size()) : std::nullopt;
    case AttributeType::kL:
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS:
      return payload.is_array() ? std::optional<std::size_t>(payload.get_array().size()) : std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    unsigned int group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int digit = 0;
      if (c == '=' && last && j >= 2) {
        ++padding;
      } else {
        digit = Base64Digit(c);
        if (digit < 0 || padding > 0) return std::nullopt;
      }
      group = (group << 6U) | static_cast<unsigned int>(digit);
    }
    out.push_back(static_cast<char>((group >> 16U) & 0xFFU));
    if (padding < 2) out.push_back(static_cast<char>((group >> 8U) & 0xFFU));
    if (padding < 1) out.push_back(static_cast<char>(group & 0xFFU));
  }
  return out;
}

std::string DescribeForMessage(const json::value& value) {
  auto type = TypeOf(value);
  if (!type) return "{}";
  const json::value& payload = value.get_object().begin()->value();
  if (payload.is_string()) return "{" + std::string(TypeName(*type)) + ":" + std::string(payload.get_string()) + "}";
  return "{" + std::string(TypeName(*type)) + ":" + json::serialize(payload) + "}";
}

}  // namespace jobstream::dynamodb
