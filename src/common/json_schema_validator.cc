// JsonSchema::Validate: walks an instance against a compiled draft-4 schema and reports the first
// violation, naming the place (`a.b[2]`) and the rule. The schema was checked by Compile, so
// every keyword here has the type draft 4 gives it.
#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "common/json_schema.h"
#include "common/json_schema_compiled.h"

namespace jobstream {
namespace {

using boost::json::object;
using boost::json::value;

// An instance is never deeper than the request body's limit, and cycles are refused at compile
// time; this bounds what is left (long chains of refs) so the stack never runs out.
constexpr std::size_t kMaxEvaluationDepth = 512;

// The longest list of enum values a message quotes in full.
constexpr std::size_t kMaxQuotedEnumChars = 200;

bool IsInteger(const value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.as_double()) && std::trunc(v.as_double()) == v.as_double();
}

bool HasType(const value& v, std::string_view type) {
  if (type == "integer") return IsInteger(v);
  if (type == "number") return v.is_number();
  if (type == "string") return v.is_string();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "boolean") return v.is_bool();
  return v.is_null();
}

std::string_view TypeWithArticle(std::string_view type) {
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "string") return "a string";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "boolean") return "a boolean";
  return "null";
}

// "must be an integer", "must be a string or null", "must be an integer, a string or null".
std::string TypeRequirement(const value& type) {
  if (type.is_string()) return fmt::format("must be {}", TypeWithArticle(type.as_string()));
  const boost::json::array& types = type.as_array();
  std::string out = "must be ";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += i + 1 == types.size() ? " or " : ", ";
    out += TypeWithArticle(types[i].as_string());
  }
  return out;
}

// The reference model's rule in one message: with `"type": "integer"` and both inclusive bounds,
// a wrong type and a value out of range both read "must be an integer between 1 and 31536000".
std::optional<std::string> IntegerRangeRequirement(const object& schema) {
  const value* type = schema.if_contains("type");
  const value* minimum = schema.if_contains("minimum");
  const value* maximum = schema.if_contains("maximum");
  if (type == nullptr || !type->is_string() || type->as_string() != "integer" || minimum == nullptr ||
      maximum == nullptr) {
    return std::nullopt;
  }
  for (const char* exclusive : {"exclusiveMinimum", "exclusiveMaximum"}) {
    if (const value* flag = schema.if_contains(exclusive); flag != nullptr && flag->as_bool()) return std::nullopt;
  }
  return fmt::format("must be an integer between {} and {}", json_schema::FormatNumber(*minimum),
                     json_schema::FormatNumber(*maximum));
}

bool IsMultipleOf(const value& number, const value& divisor) {
  if (IsInteger(number) && (divisor.is_int64() || divisor.is_uint64()) && !number.is_double()) {
    const std::uint64_t d = divisor.is_int64() ? static_cast<std::uint64_t>(divisor.as_int64()) : divisor.as_uint64();
    const std::uint64_t magnitude = number.is_uint64()      ? number.as_uint64()
                                    : number.as_int64() < 0 ? 0 - static_cast<std::uint64_t>(number.as_int64())
                                                            : static_cast<std::uint64_t>(number.as_int64());
    return magnitude % d == 0;
  }
  const long double quotient = json_schema::NumberOf(number) / json_schema::NumberOf(divisor);
  if (!std::isfinite(quotient)) return false;
  // Decimal divisors (0.01) are inexact in binary: a quotient within rounding of an integer is one.
  return std::fabs(quotient - std::nearbyint(quotient)) <= 1e-9L * std::max(1.0L, std::fabs(quotient));
}

std::string QuotedEnum(const boost::json::array& values) {
  if (values.size() == 1) return "must be " + boost::json::serialize(values[0]);
  std::string out = "must be one of ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    if (out.size() > kMaxQuotedEnumChars) return out + "…";
    out += boost::json::serialize(values[i]);
  }
  return out;
}

class Validator {
 public:
  explicit Validator(const JsonSchema::Compiled& compiled) : compiled_(compiled) {}

  std::optional<SchemaViolation> Check(const value& schema, const value& instance, std::string& path) {
    if (++steps_ > kMaxSchemaSteps || depth_ >= kMaxEvaluationDepth) return TooComplex(path);
    ++depth_;
    auto violation = CheckObject(schema.as_object(), instance, path);
    --depth_;
    return violation;
  }

 private:
  // Whether the instance conforms, for anyOf/oneOf/not; a spent budget is not an answer, so
  // callers check `exhausted_` before using it.
  bool Conforms(const value& schema, const value& instance, std::string& path) {
    const std::size_t length = path.size();
    const bool conforms = !Check(schema, instance, path).has_value();
    path.resize(length);
    return conforms;
  }

  std::optional<SchemaViolation> TooComplex(const std::string& path) {
    exhausted_ = true;
    return SchemaViolation{path, "is too complex to check against the model"};
  }

  static SchemaViolation At(const std::string& path, std::string requirement) {
    return SchemaViolation{path, std::move(requirement)};
  }

  static void AppendMember(std::string& path, std::string_view name) {
    if (!path.empty()) path += '.';
    path += name;
  }

  std::optional<SchemaViolation> CheckObject(const object& schema, const value& instance, std::string& path) {
    if (const value* ref = schema.if_contains("$ref")) {
      return Check(*compiled_.refs.at(ref), instance, path);
    }
    if (const value* type = schema.if_contains("type")) {
      bool matches = false;
      if (type->is_string()) {
        matches = HasType(instance, type->as_string());
      } else {
        for (const value& name : type->as_array()) matches = matches || HasType(instance, name.as_string());
      }
      if (!matches) return At(path, IntegerRangeRequirement(schema).value_or(TypeRequirement(*type)));
    }
    std::optional<SchemaViolation> violation;
    if (instance.is_object()) {
      violation = CheckMembers(schema, instance, path);
    } else if (instance.is_array()) {
      violation = CheckItems(schema, instance.as_array(), path);
    } else if (instance.is_string()) {
      violation = CheckString(schema, instance.as_string(), path);
    } else if (instance.is_number()) {
      violation = CheckNumber(schema, instance, path);
    }
    if (violation) return violation;
    if (const value* allowed = schema.if_contains("enum")) {
      const std::string text = json_schema::CanonicalText(instance);
      bool found = false;
      for (const value& candidate : allowed->as_array()) found = found || json_schema::CanonicalText(candidate) == text;
      if (!found) return At(path, QuotedEnum(allowed->as_array()));
    }
    return CheckCombinators(schema, instance, path);
  }

  std::optional<SchemaViolation> CheckMembers(const object& schema, const value& instance_value, std::string& path) {
    const object& instance = instance_value.as_object();
    const std::size_t length = path.size();
    if (const value* required = schema.if_contains("required")) {
      for (const value& name : required->as_array()) {
        if (!instance.contains(name.as_string())) {
          AppendMember(path, name.as_string());
          return At(path, "is required");
        }
      }
    }
    const value* properties = schema.if_contains("properties");
    const value* patterns = schema.if_contains("patternProperties");
    const value* additional = schema.if_contains("additionalProperties");
    for (const auto& [name, member] : instance) {
      AppendMember(path, name);
      bool matched = false;
      if (properties != nullptr) {
        if (const value* subschema = properties->as_object().if_contains(name)) {
          matched = true;
          if (auto violation = Check(*subschema, member, path)) return violation;
        }
      }
      if (patterns != nullptr) {
        if (json_schema::CodePointCount(name) > kMaxPatternSubjectChars) {
          return At(path, fmt::format("has a name longer than the {} characters a pattern is checked on",
                                      kMaxPatternSubjectChars));
        }
        for (const auto& [pattern, subschema] : patterns->as_object()) {
          if (!json_schema::PatternMatches(compiled_.patterns.at(&subschema), name)) continue;
          matched = true;
          if (auto violation = Check(subschema, member, path)) return violation;
        }
      }
      if (!matched && additional != nullptr) {
        if (additional->is_bool()) {
          if (!additional->as_bool()) return At(path, "is not allowed");
        } else if (auto violation = Check(*additional, member, path)) {
          return violation;
        }
      }
      path.resize(length);
    }
    if (const value* minimum = schema.if_contains("minProperties");
        minimum != nullptr && instance.size() < minimum->to_number<std::uint64_t>()) {
      return At(path, fmt::format("must have at least {} properties", json_schema::FormatNumber(*minimum)));
    }
    if (const value* maximum = schema.if_contains("maxProperties");
        maximum != nullptr && instance.size() > maximum->to_number<std::uint64_t>()) {
      return At(path, fmt::format("must have at most {} properties", json_schema::FormatNumber(*maximum)));
    }
    if (const value* dependencies = schema.if_contains("dependencies")) {
      for (const auto& [name, dependency] : dependencies->as_object()) {
        if (!instance.contains(name)) continue;
        if (dependency.is_array()) {
          for (const value& needed : dependency.as_array()) {
            if (instance.contains(needed.as_string())) continue;
            std::string present = path;
            AppendMember(present, name);
            AppendMember(path, needed.as_string());
            return At(path, fmt::format("is required when '{}' is present", present));
          }
        } else if (auto violation = Check(dependency, instance_value, path)) {
          return violation;
        }
      }
    }
    return std::nullopt;
  }

  std::optional<SchemaViolation> CheckItems(const object& schema, const boost::json::array& items, std::string& path) {
    if (const value* minimum = schema.if_contains("minItems");
        minimum != nullptr && items.size() < minimum->to_number<std::uint64_t>()) {
      return At(path, fmt::format("must have at least {} items", json_schema::FormatNumber(*minimum)));
    }
    if (const value* maximum = schema.if_contains("maxItems");
        maximum != nullptr && items.size() > maximum->to_number<std::uint64_t>()) {
      return At(path, fmt::format("must have at most {} items", json_schema::FormatNumber(*maximum)));
    }
    if (const value* unique = schema.if_contains("uniqueItems"); unique != nullptr && unique->as_bool()) {
      std::unordered_set<std::string> seen;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!seen.insert(json_schema::CanonicalText(items[i])).second) {
          return At(path, fmt::format("must not hold the same item twice (item {} repeats an earlier one)", i));
        }
      }
    }
    const value* each = schema.if_contains("items");
    if (each == nullptr) return std::nullopt;
    const std::size_t length = path.size();
    for (std::size_t i = 0; i < items.size(); ++i) {
      path += fmt::format("[{}]", i);
      const value* subschema = nullptr;
      if (each->is_object()) {
        subschema = each;
      } else if (i < each->as_array().size()) {
        subschema = &each->as_array()[i];
      } else if (const value* additional = schema.if_contains("additionalItems")) {
        if (additional->is_bool()) {
          if (!additional->as_bool()) return At(path, "is not allowed");
        } else {
          subschema = additional;
        }
      }
      if (subschema != nullptr) {
        if (auto violation = Check(*subschema, items[i], path)) return violation;
      }
      path.resize(length);
    }
    return std::nullopt;
  }

  std::optional<SchemaViolation> CheckString(const object& schema, std::string_view text, const std::string& path) {
    const value* minimum = schema.if_contains("minLength");
    const value* maximum = schema.if_contains("maxLength");
    if (minimum != nullptr || maximum != nullptr) {
      const std::size_t length = json_schema::CodePointCount(text);
      if (minimum != nullptr && length < minimum->to_number<std::uint64_t>()) {
        return At(path, fmt::format("must be at least {} characters long", json_schema::FormatNumber(*minimum)));
      }
      if (maximum != nullptr && length > maximum->to_number<std::uint64_t>()) {
        return At(path, fmt::format("must be at most {} characters long", json_schema::FormatNumber(*maximum)));
      }
    }
    if (const value* pattern = schema.if_contains("pattern")) {
      if (json_schema::CodePointCount(text) > kMaxPatternSubjectChars) {
        return At(path,
                  fmt::format("is longer than the {} characters a pattern is checked on", kMaxPatternSubjectChars));
      }
      if (!json_schema::PatternMatches(compiled_.patterns.at(pattern), text)) {
        return At(path, fmt::format("must match the pattern {}", boost::json::serialize(*pattern)));
      }
    }
    return std::nullopt;
  }

  std::optional<SchemaViolation> CheckNumber(const object& schema, const value& number, const std::string& path) {
    const long double n = json_schema::NumberOf(number);
    auto exclusive = [&schema](const char* key) {
      const value* flag = schema.if_contains(key);
      return flag != nullptr && flag->as_bool();
    };
    if (const value* minimum = schema.if_contains("minimum")) {
      const long double bound = json_schema::NumberOf(*minimum);
      const bool strict = exclusive("exclusiveMinimum");
      if (strict ? !(n > bound) : !(n >= bound)) {
        return At(path,
                  IntegerRangeRequirement(schema).value_or(fmt::format(
                      "must be {} {}", strict ? "greater than" : "at least", json_schema::FormatNumber(*minimum))));
      }
    }
    if (const value* maximum = schema.if_contains("maximum")) {
      const long double bound = json_schema::NumberOf(*maximum);
      const bool strict = exclusive("exclusiveMaximum");
      if (strict ? !(n < bound) : !(n <= bound)) {
        return At(path, IntegerRangeRequirement(schema).value_or(fmt::format(
                            "must be {} {}", strict ? "less than" : "at most", json_schema::FormatNumber(*maximum))));
      }
    }
    if (const value* divisor = schema.if_contains("multipleOf");
        divisor != nullptr && !IsMultipleOf(number, *divisor)) {
      return At(path, fmt::format("must be a multiple of {}", json_schema::FormatNumber(*divisor)));
    }
    return std::nullopt;
  }

  std::optional<SchemaViolation> CheckCombinators(const object& schema, const value& instance, std::string& path) {
    if (const value* all = schema.if_contains("allOf")) {
      for (const value& subschema : all->as_array()) {
        if (auto violation = Check(subschema, instance, path)) return violation;
      }
    }
    if (const value* any = schema.if_contains("anyOf")) {
      bool matched = false;
      for (const value& subschema : any->as_array()) {
        matched = Conforms(subschema, instance, path);
        if (exhausted_) return TooComplex(path);
        if (matched) break;
      }
      if (!matched) return At(path, "must match at least one of the schemas in anyOf");
    }
    if (const value* one = schema.if_contains("oneOf")) {
      std::size_t matches = 0;
      for (const value& subschema : one->as_array()) {
        matches += Conforms(subschema, instance, path) ? 1 : 0;
        if (exhausted_) return TooComplex(path);
      }
      if (matches != 1) {
        return At(path, fmt::format("must match exactly one of the schemas in oneOf (it matches {})", matches));
      }
    }
    if (const value* negated = schema.if_contains("not")) {
      const bool matched = Conforms(*negated, instance, path);
      if (exhausted_) return TooComplex(path);
      if (matched) return At(path, "must not match the schema in not");
    }
    return std::nullopt;
  }

  const JsonSchema::Compiled& compiled_;
  std::size_t steps_ = 0;
  std::size_t depth_ = 0;
  bool exhausted_ = false;
};

}  // namespace

std::optional<SchemaViolation> JsonSchema::Validate(const boost::json::value& instance) const {
  Validator validator(*compiled_);
  std::string path;
  return validator.Check(compiled_->document, instance, path);
}

}  // namespace jobstream
