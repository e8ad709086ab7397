#include "stream/dynamo_json.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "common/json_text.h"

namespace jobstream::stream {
namespace json = boost::json;

namespace {

json::value Typed(std::string_view type, json::value payload) {
  json::object typed;
  typed.emplace(type, std::move(payload));
  return typed;
}

template <typename Number>
json::value TypedNumber(Number number) {
  std::array<char, 64> text;
  // Shortest round-trip form for doubles; plain digits for integers.
  auto [end, ec] = std::to_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc()) return Typed("NULL", true);  // unreachable: 64 chars fit any number
  return Typed("N", json::string(std::string_view(text.data(), end - text.data())));
}

// Describes where in the item a problem is, so a bad stored item can be found.
Status Invalid(const std::string& path, std::string_view problem) {
  if (path.empty()) return Status::InvalidArgument(std::string(problem));
  return Status::InvalidArgument("attribute '" + path + "': " + std::string(problem));
}

// Appends a path segment for the duration of one child conversion.
class PathSegment {
 public:
  PathSegment(std::string& path, std::string_view key) : path_(path), saved_size_(path.size()) {
    if (!path_.empty()) path_ += '.';
    path_ += key;
  }
  PathSegment(std::string& path, size_t index) : path_(path), saved_size_(path.size()) {
    path_ += '[' + std::to_string(index) + ']';
  }
  ~PathSegment() { path_.resize(saved_size_); }
  PathSegment(const PathSegment&) = delete;
  PathSegment& operator=(const PathSegment&) = delete;

 private:
  std::string& path_;
  size_t saved_size_;
};

template <typename T>
bool ParseWhole(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<json::value> ParseNumberText(std::string_view text, const std::string& path) {
  // Integers stay exact; only text with a fraction or exponent becomes a double.
  if (std::int64_t as_int = 0; ParseWhole(text, as_int)) return json::value(as_int);
  if (std::uint64_t as_uint = 0; ParseWhole(text, as_uint)) return json::value(as_uint);
  double as_double = 0;
  if (!text.empty() && ParseWhole(text, as_double) && std::isfinite(as_double)) {
    return json::value(as_double);
  }
  return Invalid(path, "N text \"" + std::string(text) + "\" is not a finite decimal number");
}

Result<json::value> ConvertAttribute(const json::value& attribute, int depth, std::string& path);

Result<json::value> ConvertMap(const json::object& attributes, int depth, std::string& path) {
  json::object plain;
  plain.reserve(attributes.size());
  for (const auto& [key, attribute] : attributes) {
    PathSegment segment(path, key);
    auto converted = ConvertAttribute(attribute, depth, path);
    if (!converted.ok()) return converted.error();
    plain.emplace(key, std::move(converted).value());
  }
  return json::value(std::move(plain));
}

Result<json::value> ConvertList(const json::array& attributes, int depth, std::string& path) {
  json::array plain;
  plain.reserve(attributes.size());
  for (size_t i = 0; i < attributes.size(); ++i) {
    PathSegment segment(path, i);
    auto converted = ConvertAttribute(attributes[i], depth, path);
    if (!converted.ok()) return converted.error();
    plain.push_back(std::move(converted).value());
  }
  return json::value(std::move(plain));
}

Result<json::value> ConvertSet(std::string_view type, const json::array& members, const std::string& path) {
  json::array plain;
  plain.reserve(members.size());
  for (const json::value& member : members) {
    const json::string* text = member.if_string();
    if (text == nullptr) return Invalid(path, std::string(type) + " members must be strings");
    if (type == "SS") {
      plain.push_back(*text);
      continue;
    }
    auto number = ParseNumberText(*text, path);
    if (!number.ok()) return number.error();
    plain.push_back(std::move(number).value());
  }
  return json::value(std::move(plain));
}

Result<json::value> ConvertAttribute(const json::value& attribute, int depth, std::string& path) {
  if (depth > kMaxAttributeDepth) {
    return Invalid(path, "nested deeper than " + std::to_string(kMaxAttributeDepth) + " levels");
  }
  const json::object* typed = attribute.if_object();
  if (typed == nullptr || typed->size() != 1) {
    return Invalid(path, "an attribute value must be an object with exactly one type key");
  }
  const auto& [type_key, payload] = *typed->begin();
  const std::string_view type = type_key;

  if (type == "S") {
    if (!payload.is_string()) return Invalid(path, "S must hold a string");
    return payload;
  }
  if (type == "N") {
    const json::string* text = payload.if_string();
    if (text == nullptr) return Invalid(path, "N must hold the number as a string");
    return ParseNumberText(*text, path);
  }
  if (type == "BOOL") {
    if (!payload.is_bool()) return Invalid(path, "BOOL must hold true or false");
    return payload;
  }
  if (type == "NULL") {
    if (payload != json::value(true)) return Invalid(path, "NULL must hold true");
    return json::value(nullptr);
  }
  if (type == "M") {
    const json::object* map = payload.if_object();
    if (map == nullptr) return Invalid(path, "M must hold an object");
    return ConvertMap(*map, depth + 1, path);
  }
  if (type == "L") {
    const json::array* list = payload.if_array();
    if (list == nullptr) return Invalid(path, "L must hold an array");
    return ConvertList(*list, depth + 1, path);
  }
  if (type == "SS" || type == "NS") {
    const json::array* members = payload.if_array();
    if (members == nullptr) return Invalid(path, std::string(type) + " must hold an array");
    return ConvertSet(type, *members, path);
  }
  if (type == "B" || type == "BS") {
    return Invalid(path, "binary attributes (B, BS) are not supported");
  }
  return Invalid(path, "unknown attribute type \"" + std::string(type) + "\"");
}

}  // namespace

json::value ToAttributeValue(const json::value& value) {
  switch (value.kind()) {
    case json::kind::object:
      return Typed("M", ToAttributeMap(value.get_object()));
    case json::kind::array: {
      json::array list;
      list.reserve(value.get_array().size());
      for (const json::value& element : value.get_array()) list.push_back(ToAttributeValue(element));
      return Typed("L", std::move(list));
    }
    case json::kind::string:
      return Typed("S", value.get_string());
    case json::kind::int64:
      return TypedNumber(value.get_int64());
    case json::kind::uint64:
      return TypedNumber(value.get_uint64());
    case json::kind::double_: {
      const double number = value.get_double();
      if (!std::isfinite(number)) return Typed("NULL", true);
      return TypedNumber(number);
    }
    case json::kind::bool_:
      return Typed("BOOL", value.get_bool());
    case json::kind::null:
      break;
  }
  return Typed("NULL", true);
}

namespace {

template <typename Number>
void AppendTypedNumber(std::string& out, Number number) {
  std::array<char, 64> text;
  auto [end, ec] = std::to_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc()) {  // unreachable: 64 chars fit any number
    out.append(R"({"NULL":true})");
    return;
  }
  out.append(R"({"N":")");
  out.append(text.data(), static_cast<std::size_t>(end - text.data()));
  out.append(R"("})");
}

}  // namespace

void AppendAttributeValue(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object:
      out.append(R"({"M":)");
      AppendAttributeMap(out, value.get_object());
      out.push_back('}');
      return;
    case json::kind::array: {
      out.append(R"({"L":[)");
      bool first = true;
      for (const json::value& element : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendAttributeValue(out, element);
      }
      out.append("]}");
      return;
    }
    case json::kind::string:
      out.append(R"({"S":)");
      AppendJsonString(out, value.get_string());
      out.push_back('}');
      return;
    case json::kind::int64:
      AppendTypedNumber(out, value.get_int64());
      return;
    case json::kind::uint64:
      AppendTypedNumber(out, value.get_uint64());
      return;
    case json::kind::double_:
      if (!std::isfinite(value.get_double())) break;
      AppendTypedNumber(out, value.get_double());
      return;
    case json::kind::bool_:
      out.append(value.get_bool() ? R"({"BOOL":true})" : R"({"BOOL":false})");
      return;
    case json::kind::null:
      break;
  }
  out.append(R"({"NULL":true})");
}

void AppendAttributeMap(std::string& out, const json::object& item) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, value] : item) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, key);
    out.push_back(':');
    AppendAttributeValue(out, value);
  }
  out.push_back('}');
}

json::object ToAttributeMap(const json::object& item) {
  json::object attributes;
  attributes.reserve(item.size());
  for (const auto& [key, value] : item) attributes.emplace(key, ToAttributeValue(value));
  return attributes;
}

Result<json::value> FromAttributeValue(const json::value& attribute) {
  std::string path;
  return ConvertAttribute(attribute, 0, path);
}

Result<json::object> FromAttributeMap(const json::object& attributes) {
  std::string path;
  auto converted = ConvertMap(attributes, 0, path);
  if (!converted.ok()) return converted.error();
  // cppcheck-suppress returnStdMoveLocal ; the object lives inside `converted`: without the move it is copied
  return std::move(converted.value().get_object());
}

}  // namespace jobstream::stream
