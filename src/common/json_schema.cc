// JsonSchema::Compile: checks a draft-4 schema once, so the validator never meets a malformed
// one, and resolves what it will need (patterns, refs). See json_schema.h.
#include "common/json_schema.h"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include "common/json_schema_compiled.h"
#include "common/json_text.h"

namespace jobstream {
namespace {

using boost::json::value;

constexpr std::array<std::string_view, 7> kTypeNames = {"array",  "boolean", "integer", "null",
                                                        "number", "object",  "string"};

// The draft-4 dialect's identifiers (with and without the empty fragment).
bool IsDraft4(std::string_view uri) {
  return uri == "http://json-schema.org/draft-04/schema#" || uri == "http://json-schema.org/draft-04/schema";
}

// One JSON pointer token as written in a pointer: ~ and / escaped.
std::string EscapeToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool IsNonNegativeInteger(const value& v) { return (v.is_int64() && v.as_int64() >= 0) || v.is_uint64(); }

// A URI fragment's percent escapes decoded (a $ref is a URI: "#/percent%25field").
std::optional<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

class SchemaChecker {
 public:
  explicit SchemaChecker(JsonSchema::Compiled& compiled) : compiled_(compiled) {}

  Status Check() {
    const value& root = compiled_.document;
    if (root.is_object()) {
      if (const value* dialect = root.as_object().if_contains("$schema")) {
        if (!dialect->is_string() || !IsDraft4(dialect->as_string())) {
          return Status::InvalidArgument(
              R"(#/$schema must be "http://json-schema.org/draft-04/schema#" (API Gateway models are draft 4))");
        }
      }
    }
    pending_.push_back({&root, "#"});
    while (!pending_.empty()) {
      auto [schema, pointer] = pending_.front();
      pending_.pop_front();
      if (Status status = CheckSchema(*schema, pointer, /*is_root=*/schema == &root); !status.ok()) return status;
    }
    return CheckForCycles();
  }

 private:
  struct Pending {
    const value* schema;
    std::string pointer;
  };

  static Status Fail(const std::string& pointer, std::string_view requirement) {
    return Status::InvalidArgument(fmt::format("{} {}", pointer, requirement));
  }

  void Enqueue(const value& schema, std::string pointer) { pending_.push_back({&schema, std::move(pointer)}); }

  Status CheckSchema(const value& schema, const std::string& pointer, bool is_root) {
    if (!schema.is_object()) return Fail(pointer, "must be a schema (a JSON object)");
    if (!checked_.emplace(&schema, pointer).second) return Status::Ok();
    const boost::json::object& object = schema.as_object();
    if (const value* id = object.if_contains("id"); id != nullptr && !is_root) {
      return Fail(pointer + "/id", "is not supported: an id below the root would change where $ref points");
    }
    if (const value* ref = object.if_contains("$ref")) {
      // Draft 4: a $ref replaces its siblings, so they are neither checked nor used.
      return CheckRef(*ref, pointer + "/$ref", schema);
    }
    for (const auto& [key, member] : object) {
      const std::string at = pointer + "/" + EscapeToken(key);
      if (Status status = CheckKeyword(key, member, at, object); !status.ok()) return status;
    }
    return Status::Ok();
  }

  Status CheckKeyword(std::string_view key, const value& member, const std::string& at,
                      const boost::json::object& schema) {
    if (key == "type") return CheckType(member, at);
    if (key == "enum") return CheckUniqueArray(member, at, /*strings_only=*/false);
    if (key == "required") return CheckUniqueArray(member, at, /*strings_only=*/true);
    if (key == "properties" || key == "patternProperties" || key == "definitions") {
      if (!member.is_object()) return Fail(at, "must be an object of schemas");
      for (const auto& [name, subschema] : member.as_object()) {
        const std::string sub_at = at + "/" + EscapeToken(name);
        if (key == "patternProperties") {
          if (Status status = CompilePattern(name, &subschema, at + " key " + boost::json::serialize(value(name)));
              !status.ok()) {
            return status;
          }
        }
        Enqueue(subschema, sub_at);
      }
      return Status::Ok();
    }
    if (key == "additionalProperties" || key == "additionalItems") {
      if (member.is_bool()) return Status::Ok();
      if (!member.is_object()) return Fail(at, "must be true, false or a schema");
      Enqueue(member, at);
      return Status::Ok();
    }
    if (key == "items") {
      if (member.is_array()) {
        for (std::size_t i = 0; i < member.as_array().size(); ++i)
          Enqueue(member.as_array()[i], fmt::format("{}/{}", at, i));
        return Status::Ok();
      }
      if (!member.is_object()) return Fail(at, "must be a schema or an array of schemas");
      Enqueue(member, at);
      return Status::Ok();
    }
    if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!member.is_array() || member.as_array().empty()) return Fail(at, "must be a non-empty array of schemas");
      for (std::size_t i = 0; i < member.as_array().size(); ++i) {
        Enqueue(member.as_array()[i], fmt::format("{}/{}", at, i));
      }
      return Status::Ok();
    }
    if (key == "not") {
      Enqueue(member, at);
      return Status::Ok();
    }
    if (key == "dependencies") {
      if (!member.is_object()) return Fail(at, "must be an object");
      for (const auto& [name, dependency] : member.as_object()) {
        const std::string sub_at = at + "/" + EscapeToken(name);
        if (dependency.is_array()) {
          if (Status status = CheckUniqueArray(dependency, sub_at, /*strings_only=*/true); !status.ok()) return status;
        } else if (dependency.is_object()) {
          Enqueue(dependency, sub_at);
        } else {
          return Fail(sub_at, "must be a schema or an array of property names");
        }
      }
      return Status::Ok();
    }
    if (key == "minimum" || key == "maximum") {
      if (!member.is_number()) return Fail(at, "must be a number");
      return Status::Ok();
    }
    if (key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!member.is_bool()) return Fail(at, "must be true or false (draft 4)");
      const char* bound = key == "exclusiveMinimum" ? "minimum" : "maximum";
      if (!schema.contains(bound)) return Fail(at, fmt::format("needs {} beside it", bound));
      return Status::Ok();
    }
    if (key == "multipleOf") {
      if (!member.is_number() || !(json_schema::NumberOf(member) > 0)) return Fail(at, "must be a number above 0");
      return Status::Ok();
    }
    if (key == "minLength" || key == "maxLength" || key == "minItems" || key == "maxItems" || key == "minProperties" ||
        key == "maxProperties") {
      if (!IsNonNegativeInteger(member)) return Fail(at, "must be a non-negative integer");
      return Status::Ok();
    }
    if (key == "uniqueItems") {
      if (!member.is_bool()) return Fail(at, "must be true or false");
      return Status::Ok();
    }
    if (key == "pattern") {
      if (!member.is_string()) return Fail(at, "must be a string");
      return CompilePattern(member.as_string(), &member, at);
    }
    // format, title, description, default, $schema, id and unknown keywords: annotations.
    return Status::Ok();
  }

  static Status CheckType(const value& member, const std::string& at) {
    auto known = [](const value& name) {
      return name.is_string() &&
             std::find(kTypeNames.begin(), kTypeNames.end(), std::string_view(name.as_string())) != kTypeNames.end();
    };
    const char* requirement =
        "must be one of array, boolean, integer, null, number, object, string, or a non-empty array of them";
    if (member.is_string()) return known(member) ? Status::Ok() : Fail(at, requirement);
    if (!member.is_array() || member.as_array().empty()) return Fail(at, requirement);
    std::set<std::string_view> seen;
    for (const value& name : member.as_array()) {
      if (!known(name)) return Fail(at, requirement);
      if (!seen.insert(name.as_string()).second) return Fail(at, "must not name a type twice");
    }
    return Status::Ok();
  }

  static Status CheckUniqueArray(const value& member, const std::string& at, bool strings_only) {
    const char* what = strings_only ? "must be a non-empty array of property names" : "must be a non-empty array";
    if (!member.is_array() || member.as_array().empty()) return Fail(at, what);
    std::unordered_set<std::string> seen;
    for (const value& element : member.as_array()) {
      if (strings_only && !element.is_string()) return Fail(at, what);
      if (!seen.insert(json_schema::CanonicalText(element)).second) {
        return Fail(at, fmt::format("holds {} twice", boost::json::serialize(element)));
      }
    }
    return Status::Ok();
  }

  Status CompilePattern(std::string_view pattern, const value* key, const std::string& at) {
    // Compiled alone first, so the wrapping below cannot turn an invalid pattern ("a)|(b") into
    // a valid one.
    constexpr auto kSyntax = std::regex_constants::ECMAScript | std::regex_constants::__polynomial;
    try {
      const std::wstring code_points = json_schema::CodePoints(pattern);
      std::wregex alone(code_points, kSyntax);
      // "A match anywhere" as one run from the start: libstdc++'s regex_search would otherwise
      // rerun the whole match from every position (quadratic in the text).
      compiled_.patterns.insert_or_assign(key, std::wregex(L"[\\s\\S]*(?:" + code_points + L")", kSyntax));
    } catch (const std::regex_error& error) {
      const bool backreference = error.code() == std::regex_constants::error_complexity;
      return Fail(at, fmt::format("is not a valid regular expression{}: {}",
                                  backreference ? " (backreferences are not supported)" : "", error.what()));
    }
    return Status::Ok();
  }

  Status CheckRef(const value& ref, const std::string& at, const value& holder) {
    if (!ref.is_string()) return Fail(at, "must be a string");
    const std::string_view text = ref.as_string();
    if (text.empty() || text.front() != '#') {
      return Fail(at, fmt::format("{} is not supported: only references within the model (\"#\", \"#/definitions/…\")",
                                  boost::json::serialize(ref)));
    }
    if (text.size() > 1 && text[1] != '/') {
      return Fail(
          at, fmt::format("{} is not supported: only JSON pointers (\"#/…\") and \"#\"", boost::json::serialize(ref)));
    }
    auto pointer = PercentDecoded(text.substr(1));
    if (!pointer) return Fail(at, "has an invalid percent escape");
    boost::system::error_code ec;
    const value* target = compiled_.document.find_pointer(*pointer, ec);
    if (target == nullptr)
      return Fail(at, fmt::format("{} points to nothing in the model", boost::json::serialize(ref)));
    if (!target->is_object()) {
      return Fail(at, fmt::format("{} does not point to a schema (a JSON object)", boost::json::serialize(ref)));
    }
    compiled_.refs.emplace(&ref, target);
    same_instance_.emplace(&holder, target);
    Enqueue(*target, std::string(text));
    return Status::Ok();
  }

  // A $ref chain (through allOf, anyOf, oneOf, not or dependencies) that comes back to where it
  // started without descending into the instance would recurse forever: refused here.
  Status CheckForCycles() {
    for (const auto& [schema, pointer] : checked_) {
      if (schema->is_object() && !schema->as_object().contains("$ref")) AddCombinatorEdges(*schema);
    }
    std::unordered_map<const value*, int> state;  // 1: on the path, 2: done
    for (const auto& [schema, pointer] : checked_) {
      if (HasCycleFrom(schema, state)) {
        return Fail(pointer, "refers back to itself (through $ref) without descending into a property or item");
      }
    }
    return Status::Ok();
  }

  void AddCombinatorEdges(const value& schema) {
    const boost::json::object& object = schema.as_object();
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      if (const value* list = object.if_contains(key)) {
        for (const value& sub : list->as_array()) same_instance_.emplace(&schema, &sub);
      }
    }
    if (const value* negated = object.if_contains("not")) same_instance_.emplace(&schema, negated);
    if (const value* dependencies = object.if_contains("dependencies")) {
      for (const auto& [name, dependency] : dependencies->as_object()) {
        if (dependency.is_object()) same_instance_.emplace(&schema, &dependency);
      }
    }
  }

  bool HasCycleFrom(const value* schema, std::unordered_map<const value*, int>& state) {
    int& mark = state[schema];
    if (mark == 2) return false;
    if (mark == 1) return true;
    mark = 1;
    auto [begin, end] = same_instance_.equal_range(schema);
    for (auto it = begin; it != end; ++it) {
      if (HasCycleFrom(it->second, state)) return true;
    }
    state[schema] = 2;
    return false;
  }

  JsonSchema::Compiled& compiled_;
  std::deque<Pending> pending_;
  // Every schema checked, with its pointer (the first one it was reached by).
  std::unordered_map<const value*, std::string> checked_;
  // Schema → a schema applied to the same instance (its $ref target, allOf/anyOf/oneOf/not members).
  std::unordered_multimap<const value*, const value*> same_instance_;
};

}  // namespace

Result<JsonSchema> JsonSchema::Compile(boost::json::value schema) {
  auto compiled = std::make_shared<Compiled>();
  compiled->document = std::move(schema);
  SchemaChecker checker(*compiled);
  if (Status status = checker.Check(); !status.ok()) return status;
  return JsonSchema(std::move(compiled));
}

const boost::json::value& JsonSchema::document() const { return compiled_->document; }

namespace json_schema {

namespace {

void AppendCanonicalNumber(std::string& out, const value& number) {
  if (number.is_int64()) {
    out += std::to_string(number.as_int64());
  } else if (number.is_uint64()) {
    out += std::to_string(number.as_uint64());
  } else {
    const double d = number.as_double();
    // An integral double is written as the integer it equals, so 1.0 and 1 compare equal.
    if (std::trunc(d) == d && std::fabs(d) < 9.2e18) {
      out += std::to_string(static_cast<std::int64_t>(d));
    } else if (std::trunc(d) == d && d > 0 && d < 1.8e19) {
      out += std::to_string(static_cast<std::uint64_t>(d));
    } else {
      out += fmt::format("{}", d);
    }
  }
}

void AppendCanonical(std::string& out, const value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      std::vector<const boost::json::key_value_pair*> members;
      for (const auto& member : v.as_object()) members.push_back(&member);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out += '{';
      for (const auto* member : members) {
        AppendJsonString(out, member->key());
        out += ':';
        AppendCanonical(out, member->value());
        out += ',';
      }
      out += '}';
      return;
    }
    case boost::json::kind::array:
      out += '[';
      for (const value& element : v.as_array()) {
        AppendCanonical(out, element);
        out += ',';
      }
      out += ']';
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      AppendCanonicalNumber(out, v);
      return;
    default:
      AppendJsonValue(out, v);
  }
}

}  // namespace

std::string CanonicalText(const value& v) {
  std::string out;
  AppendCanonical(out, v);
  return out;
}

std::wstring CodePoints(std::string_view utf8) {
  std::wstring out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    int length = 1;
    char32_t code = lead;
    if (lead >= 0xF0) {
      length = 4;
      code = lead & 0x07U;
    } else if (lead >= 0xE0) {
      length = 3;
      code = lead & 0x0FU;
    } else if (lead >= 0xC0) {
      length = 2;
      code = lead & 0x1FU;
    }
    for (int k = 1; k < length && i + k < utf8.size(); ++k) {
      code = (code << 6U) | (static_cast<unsigned char>(utf8[i + k]) & 0x3FU);
    }
    out += static_cast<wchar_t>(code);
    i += length;
  }
  return out;
}

std::size_t CodePointCount(std::string_view utf8) {
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

long double NumberOf(const value& number) {
  if (number.is_int64()) return static_cast<long double>(number.as_int64());
  if (number.is_uint64()) return static_cast<long double>(number.as_uint64());
  return static_cast<long double>(number.as_double());
}

std::string FormatNumber(const value& number) {
  std::string out;
  AppendCanonicalNumber(out, number);
  return out;
}

bool PatternMatches(const std::wregex& pattern, std::string_view text) {
  return std::regex_search(CodePoints(text), pattern, std::regex_constants::match_continuous);
}

}  // namespace json_schema
}  // namespace jobstream
