#include "stream/filter_pattern.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>
#include <system_error>
#include <utility>

namespace jobstream::stream {
namespace json = boost::json;

namespace filter_internal {

enum class MatchKind {
  kExactString,
  kExactNumber,
  kExactBool,
  kExactNull,
  kPrefix,
  kSuffix,
  kEqualsIgnoreCase,
  kWildcard,
  kNumeric,
  kExists  // matcher objects
};

// An interval with optional open ends; "=" is the degenerate closed interval [v, v].
struct NumericRange {
  double lower = -std::numeric_limits<double>::infinity();
  bool lower_inclusive = false;
  double upper = std::numeric_limits<double>::infinity();
  bool upper_inclusive = false;

  bool Contains(double x) const {
    return (lower_inclusive ? x >= lower : x > lower) && (upper_inclusive ? x <= upper : x < upper);
  }
};

// One element of a leaf's matcher array. String and number kinds hold a list of operands so that
// anything-but ["a", "b"] is a single negated matcher ("not any of").
struct Matcher {
  MatchKind kind = MatchKind::kExactNull;
  bool negated = false;      // anything-but: true for leaves the inner test rejects
  bool ignore_case = false;  // prefix/suffix written with {"equals-ignore-case": ...}
  bool flag = false;         // the value of an exact bool, or of exists
  std::vector<std::string> strings;
  std::vector<double> numbers;
  NumericRange range;
};

inline constexpr size_t kNoChild = std::numeric_limits<size_t>::max();

// A pattern key: either a leaf (matchers) or a nested object (child, an index into the nodes).
struct Field {
  std::string key;
  std::vector<Matcher> matchers;
  size_t child = kNoChild;
};

struct PatternNode {
  std::vector<Field> fields;            // all must match
  std::vector<size_t> or_alternatives;  // if any, one of these nodes must match too
};

}  // namespace filter_internal

namespace {

using filter_internal::Field;
using filter_internal::kNoChild;
using filter_internal::Matcher;
using filter_internal::MatchKind;
using filter_internal::NumericRange;
using filter_internal::PatternNode;

// ---- Leaf tests (all allocation-free) ----

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

bool StartsWith(std::string_view text, std::string_view prefix, bool ignore_case) {
  if (text.size() < prefix.size()) return false;
  std::string_view head = text.substr(0, prefix.size());
  return ignore_case ? EqualsIgnoreCase(head, prefix) : head == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix, bool ignore_case) {
  if (text.size() < suffix.size()) return false;
  std::string_view tail = text.substr(text.size() - suffix.size());
  return ignore_case ? EqualsIgnoreCase(tail, suffix) : tail == suffix;
}

// Glob match where `*` spans any run and `\x` is the literal x (validated at parse time).
// Backtracks only to the most recent star, which is enough for `*`-only globs.
bool WildcardMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      const size_t width = pattern[p] == '\\' ? 2 : 1;
      if (pattern[p + width - 1] == text[t]) {
        p += width;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Numbers, and strings holding a decimal number (DynamoDB "N" text); see the header.
bool AsNumber(const json::value& value, double& out) {
  if (value.is_number()) {
    out = value.to_number<double>();  // cannot fail: every JSON number converts to double
    return true;
  }
  const json::string* text = value.if_string();
  if (text == nullptr || text->empty()) return false;
  const char* end = text->data() + text->size();
  auto [stop, ec] = std::from_chars(text->data(), end, out);
  return ec == std::errc() && stop == end && std::isfinite(out);
}

bool IsLeaf(const json::value& value) { return !value.is_object() && !value.is_array(); }

// "exists only works on leaf nodes": an object is not a value, an array is one if it holds any.
bool HasLeafValue(const json::value* value) {
  if (value == nullptr || value->is_object()) return false;
  const json::array* elements = value->if_array();
  if (elements == nullptr) return true;
  return std::any_of(elements->begin(), elements->end(), [](const json::value& e) { return !e.is_object(); });
}

template <typename Operands, typename Test>
bool AnyOperand(const Operands& operands, Test test) {
  return std::any_of(operands.begin(), operands.end(), test);
}

bool InnerTest(const Matcher& m, const json::value& value) {
  const json::string* string_value = value.if_string();
  const std::string_view text = string_value != nullptr ? std::string_view(*string_value) : std::string_view();
  double number = 0;
  switch (m.kind) {
    case MatchKind::kExactString:
      return string_value != nullptr && AnyOperand(m.strings, [&](const std::string& s) { return s == text; });
    case MatchKind::kEqualsIgnoreCase:
      return string_value != nullptr &&
             AnyOperand(m.strings, [&](const std::string& s) { return EqualsIgnoreCase(s, text); });
    case MatchKind::kPrefix:
      return string_value != nullptr && StartsWith(text, m.strings.front(), m.ignore_case);
    case MatchKind::kSuffix:
      return string_value != nullptr && EndsWith(text, m.strings.front(), m.ignore_case);
    case MatchKind::kWildcard:
      return string_value != nullptr &&
             AnyOperand(m.strings, [&](const std::string& s) { return WildcardMatches(s, text); });
    case MatchKind::kExactNumber:
      return AsNumber(value, number) && AnyOperand(m.numbers, [&](double n) { return n == number; });
    case MatchKind::kNumeric:
      return AsNumber(value, number) && m.range.Contains(number);
    case MatchKind::kExactBool:
      return value.is_bool() && value.get_bool() == m.flag;
    case MatchKind::kExactNull:
      return value.is_null();
    case MatchKind::kExists:
      break;  // decided on the field as a whole, in MatchesLeaf
  }
  return false;
}

bool MatchesLeaf(const std::vector<Matcher>& matchers, const json::value* value) {
  for (const Matcher& m : matchers) {
    if (m.kind == MatchKind::kExists) {
      if (HasLeafValue(value) == m.flag) return true;
      continue;
    }
    if (value == nullptr) continue;
    if (const json::array* elements = value->if_array()) {
      for (const json::value& element : *elements) {
        if (IsLeaf(element) && InnerTest(m, element) != m.negated) return true;
      }
    } else if (IsLeaf(*value) && InnerTest(m, *value) != m.negated) {
      return true;
    }
  }
  return false;
}

// `record` is null when the record has no object at this level: then every field is missing,
// which only {"exists": false} accepts.
bool MatchesNode(const std::vector<PatternNode>& nodes, size_t index, const json::object* record);

bool MatchesChild(const std::vector<PatternNode>& nodes, size_t index, const json::value* value) {
  if (value != nullptr) {
    if (const json::object* object = value->if_object()) return MatchesNode(nodes, index, object);
    if (const json::array* elements = value->if_array()) {
      bool saw_object = false;
      for (const json::value& element : *elements) {
        if (const json::object* object = element.if_object()) {
          saw_object = true;
          if (MatchesNode(nodes, index, object)) return true;
        }
      }
      if (saw_object) return false;
    }
  }
  return MatchesNode(nodes, index, nullptr);
}

bool MatchesNode(const std::vector<PatternNode>& nodes, size_t index, const json::object* record) {
  const PatternNode& node = nodes[index];
  for (const Field& field : node.fields) {
    const json::value* value = record != nullptr ? record->if_contains(field.key) : nullptr;
    const bool matched =
        field.child == kNoChild ? MatchesLeaf(field.matchers, value) : MatchesChild(nodes, field.child, value);
    if (!matched) return false;
  }
  if (node.or_alternatives.empty()) return true;
  return std::any_of(node.or_alternatives.begin(), node.or_alternatives.end(),
                     [&](size_t alternative) { return MatchesNode(nodes, alternative, record); });
}

// ---- Compilation ----

// Why a wildcard operand is malformed, or null if it is fine. EventBridge rejects "**" too.
const char* WildcardProblem(std::string_view glob) {
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (i + 1 == glob.size() || (glob[i + 1] != '*' && glob[i + 1] != '\\')) {
        return R"("wildcard" may only escape * and \ with a backslash)";
      }
      ++i;
    } else if (glob[i] == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
      return "\"wildcard\" may not contain consecutive *";
    }
  }
  return nullptr;
}

constexpr std::string_view kKnownMatchers =
    "prefix, suffix, equals-ignore-case, wildcard, numeric, exists, anything-but";

// Turns pattern JSON into nodes, validating as it goes; errors name the key path being compiled.
class PatternCompiler {
 public:
  explicit PatternCompiler(std::vector<PatternNode>& nodes) : nodes_(nodes) {}

  Result<size_t> CompileObject(const json::object& pattern, int depth) {
    if (depth > kMaxPatternDepth) {
      return Error("nested deeper than " + std::to_string(kMaxPatternDepth) + " levels");
    }
    if (pattern.empty()) return Error("an empty object has nothing to match; give it keys");
    const size_t index = nodes_.size();
    nodes_.emplace_back();  // reserve the index; children are appended after it
    PatternNode node;
    for (const auto& [key, value] : pattern) {
      const size_t saved = Push(key);
      if (key == "$or") {
        Status status = CompileOr(value, depth, node);
        if (!status.ok()) return status;
      } else if (const json::object* nested = value.if_object()) {
        auto child = CompileObject(*nested, depth + 1);
        if (!child.ok()) return child.error();
        node.fields.push_back(Field{std::string(key), {}, *child});
      } else if (const json::array* leaf = value.if_array()) {
        auto matchers = CompileLeaf(*leaf);
        if (!matchers.ok()) return matchers.error();
        node.fields.push_back(Field{std::string(key), std::move(matchers).value(), kNoChild});
      } else {
        return Error("must be an array of matchers (e.g. [\"value\"]) or a nested object");
      }
      path_.resize(saved);
    }
    nodes_[index] = std::move(node);
    return index;
  }

 private:
  // Extends the error path by a key ("a.b") or an index ("a[1]"); returns the length to restore.
  size_t Push(std::string_view key) {
    const size_t saved = path_.size();
    if (!path_.empty()) path_ += '.';
    path_ += key;
    return saved;
  }
  size_t PushIndex(size_t index) {
    const size_t saved = path_.size();
    path_ += '[' + std::to_string(index) + ']';
    return saved;
  }

  Status Error(std::string_view problem) const {
    if (path_.empty()) return Status::InvalidArgument("filter pattern: " + std::string(problem));
    return Status::InvalidArgument("filter pattern key \"" + path_ + "\": " + std::string(problem));
  }

  Status CountOperands(size_t count) {
    operands_ += count;
    if (operands_ > kMaxPatternOperands) {
      return Error("too many matchers; a pattern may hold " + std::to_string(kMaxPatternOperands));
    }
    return Status::Ok();
  }

  // Demands at least two alternatives: a single one is usually a misplaced bracket that turned
  // "a OR b" into "a AND b".
  Status CompileOr(const json::value& value, int depth, PatternNode& node) {
    const json::array* alternatives = value.if_array();
    if (alternatives == nullptr || alternatives->size() < 2) {
      return Error("must be an array of at least two pattern objects");
    }
    for (size_t i = 0; i < alternatives->size(); ++i) {
      const size_t saved = PushIndex(i);
      const json::object* alternative = (*alternatives)[i].if_object();
      if (alternative == nullptr) return Error("each $or alternative must be a pattern object");
      auto child = CompileObject(*alternative, depth + 1);
      if (!child.ok()) return child.error();
      node.or_alternatives.push_back(*child);
      path_.resize(saved);
    }
    return Status::Ok();
  }

  Result<std::vector<Matcher>> CompileLeaf(const json::array& elements) {
    if (elements.empty()) return Error("an empty matcher array matches nothing; give it a value");
    std::vector<Matcher> matchers;
    matchers.reserve(elements.size());
    for (const json::value& element : elements) {
      auto matcher = CompileMatcher(element);
      if (!matcher.ok()) return matcher.error();
      matchers.push_back(std::move(matcher).value());
    }
    return matchers;
  }

  Result<Matcher> CompileMatcher(const json::value& element) {
    Matcher m;
    switch (element.kind()) {
      case json::kind::string:
        m.kind = MatchKind::kExactString;
        m.strings.emplace_back(element.get_string());
        break;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        m.kind = MatchKind::kExactNumber;
        m.numbers.push_back(element.to_number<double>());
        break;
      case json::kind::bool_:
        m.kind = MatchKind::kExactBool;
        m.flag = element.get_bool();
        break;
      case json::kind::null:
        m.kind = MatchKind::kExactNull;
        break;
      case json::kind::array:
        return Error("a matcher cannot be an array; list alternatives in the one array");
      case json::kind::object:
        return CompileMatcherObject(element.get_object());
    }
    Status status = CountOperands(1);
    if (!status.ok()) return status;
    return m;
  }

  Result<Matcher> CompileMatcherObject(const json::object& object) {
    if (object.size() != 1) {
      return Error("a matcher object must have exactly one key, one of: " + std::string(kKnownMatchers));
    }
    const auto& [name, operand] = *object.begin();
    auto m = CompileNamedMatcher(name, operand);
    if (!m.ok()) return m;
    Status status = CountOperands(std::max(m->strings.size() + m->numbers.size(), size_t{1}));
    if (!status.ok()) return status;
    return m;
  }

  Result<Matcher> CompileNamedMatcher(std::string_view name, const json::value& operand) {
    if (name == "prefix") return CompileStrings(MatchKind::kPrefix, name, operand, false);
    if (name == "suffix") return CompileStrings(MatchKind::kSuffix, name, operand, false);
    if (name == "equals-ignore-case") {
      return CompileStrings(MatchKind::kEqualsIgnoreCase, name, operand, false);
    }
    if (name == "wildcard") return CompileStrings(MatchKind::kWildcard, name, operand, false);
    if (name == "numeric") return CompileNumeric(operand);
    if (name == "exists") {
      if (!operand.is_bool()) return Error("\"exists\" takes true or false");
      Matcher m;
      m.kind = MatchKind::kExists;
      m.flag = operand.get_bool();
      return m;
    }
    if (name == "anything-but") {
      auto m = CompileAnythingBut(operand);
      if (m.ok()) m->negated = true;
      return m;
    }
    return Error("unknown matcher \"" + std::string(name) + "\"; expected one of: " + std::string(kKnownMatchers));
  }

  // The string matchers. prefix/suffix take a string or, outside anything-but,
  // {"equals-ignore-case": string}; equals-ignore-case/wildcard take a string or, inside
  // anything-but, a non-empty list of strings.
  Result<Matcher> CompileStrings(MatchKind kind, std::string_view name, const json::value& operand,
                                 bool in_anything_but) {
    const bool affix = kind == MatchKind::kPrefix || kind == MatchKind::kSuffix;
    const bool allow_ignore_case = affix && !in_anything_but;
    const bool allow_list = !affix && in_anything_but;
    Matcher m;
    m.kind = kind;
    const json::value* text = &operand;
    if (const json::object* options = operand.if_object(); allow_ignore_case && options != nullptr &&
                                                           options->size() == 1 &&
                                                           options->begin()->key() == "equals-ignore-case") {
      m.ignore_case = true;
      text = &options->begin()->value();
    }
    const json::array* list = operand.if_array();
    if (text->is_string()) {
      m.strings.emplace_back(text->get_string());
    } else if (allow_list && list != nullptr && !list->empty() &&
               std::all_of(list->begin(), list->end(), [](const json::value& v) { return v.is_string(); })) {
      for (const json::value& item : *list) m.strings.emplace_back(item.get_string());
    } else {
      return Error("\"" + std::string(name) + "\" takes a string" +
                   (allow_ignore_case ? " or {\"equals-ignore-case\": string}" : "") +
                   (allow_list ? " or a non-empty list of strings" : ""));
    }
    if (kind == MatchKind::kWildcard) {
      for (const std::string& glob : m.strings) {
        if (const char* problem = WildcardProblem(glob)) return Error(problem);
      }
    }
    return m;
  }

  Result<Matcher> CompileNumeric(const json::value& operand) {
    const json::array* terms = operand.if_array();
    if (terms == nullptr || (terms->size() != 2 && terms->size() != 4)) {
      return Error("\"numeric\" takes [op, number] or [op, number, op, number]");
    }
    Matcher m;
    m.kind = MatchKind::kNumeric;
    bool has_lower = false;
    bool has_upper = false;
    for (size_t i = 0; i < terms->size(); i += 2) {
      const json::string* op = (*terms)[i].if_string();
      const json::value& bound = (*terms)[i + 1];
      if (op == nullptr) return Error("\"numeric\" operators must be strings: =, <, <=, >, >=");
      if (!bound.is_number()) return Error("\"numeric\" operands must be numbers");
      const double value = bound.to_number<double>();
      if (*op == "=" && terms->size() == 2) {
        m.range = NumericRange{value, true, value, true};
        has_lower = has_upper = true;
      } else if ((*op == ">" || *op == ">=") && !has_lower) {
        m.range.lower = value;
        m.range.lower_inclusive = *op == ">=";
        has_lower = true;
      } else if ((*op == "<" || *op == "<=") && !has_upper) {
        m.range.upper = value;
        m.range.upper_inclusive = *op == "<=";
        has_upper = true;
      } else if (*op == "=" || *op == ">" || *op == ">=" || *op == "<" || *op == "<=") {
        return Error("\"numeric\" range needs one lower bound (> or >=) and one upper bound (< or <=)");
      } else {
        return Error(R"(unknown "numeric" operator ")" + std::string(*op) + R"("; use =, <, <=, >, >=)");
      }
    }
    const NumericRange& r = m.range;
    if (r.lower > r.upper || (r.lower == r.upper && !(r.lower_inclusive && r.upper_inclusive))) {
      return Error("\"numeric\" range is empty: no number is above the lower and below the upper bound");
    }
    return m;
  }

  // The inner test of anything-but; the caller negates it.
  Result<Matcher> CompileAnythingBut(const json::value& operand) {
    const json::object* inner = operand.if_object();
    if (inner == nullptr) return CompileValueList(operand);
    if (inner->size() == 1) {
      const auto& [name, inner_operand] = *inner->begin();
      if (name == "prefix") return CompileStrings(MatchKind::kPrefix, name, inner_operand, true);
      if (name == "suffix") return CompileStrings(MatchKind::kSuffix, name, inner_operand, true);
      if (name == "wildcard") {
        return CompileStrings(MatchKind::kWildcard, name, inner_operand, true);
      }
      if (name == "equals-ignore-case") {
        return CompileStrings(MatchKind::kEqualsIgnoreCase, name, inner_operand, true);
      }
    }
    return Error("\"anything-but\" object must be one of prefix, suffix, equals-ignore-case, wildcard");
  }

  // anything-but's plain operands: one string or number, or a non-empty list of one kind.
  Result<Matcher> CompileValueList(const json::value& operand) {
    constexpr std::string_view kShape =
        "\"anything-but\" takes a string, a number, or a list of only strings or only numbers";
    const json::array* list = operand.if_array();
    const std::span<const json::value> values =
        list != nullptr ? std::span(list->data(), list->size()) : std::span(&operand, 1);
    if (values.empty()) return Error(kShape);
    Matcher m;
    m.kind = values.front().is_number() ? MatchKind::kExactNumber : MatchKind::kExactString;
    for (const json::value& value : values) {
      if (m.kind == MatchKind::kExactString && value.is_string()) {
        m.strings.emplace_back(value.get_string());
      } else if (m.kind == MatchKind::kExactNumber && value.is_number()) {
        m.numbers.push_back(value.to_number<double>());
      } else {
        return Error(kShape);
      }
    }
    return m;
  }

  std::vector<PatternNode>& nodes_;
  std::string path_;     // key path being compiled, for error messages
  size_t operands_ = 0;  // strings and numbers compiled so far, against kMaxPatternOperands
};

}  // namespace

FilterPattern::FilterPattern() = default;
FilterPattern::FilterPattern(const FilterPattern& other) = default;
FilterPattern::FilterPattern(FilterPattern&& other) noexcept = default;
FilterPattern& FilterPattern::operator=(const FilterPattern& other) = default;
FilterPattern& FilterPattern::operator=(FilterPattern&& other) noexcept = default;
FilterPattern::~FilterPattern() = default;

Result<FilterPattern> FilterPattern::Parse(std::string_view pattern_json) {
  if (pattern_json.size() > kMaxPatternBytes) {
    return Status::InvalidArgument("filter pattern is " + std::to_string(pattern_json.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxPatternBytes));
  }
  json::parse_options options;
  options.max_depth = 2 * kMaxPatternDepth + 4;  // each $or level is an array plus an object
  boost::system::error_code ec;
  json::value parsed = json::parse(pattern_json, ec, {}, options);
  if (ec) return Status::InvalidArgument("filter pattern is not valid JSON: " + ec.message());
  const json::object* root = parsed.if_object();
  if (root == nullptr) return Status::InvalidArgument("filter pattern must be a JSON object");

  FilterPattern pattern;
  PatternCompiler compiler(pattern.nodes_);
  auto root_index = compiler.CompileObject(*root, 1);
  if (!root_index.ok()) return root_index.error();
  return pattern;
}

bool FilterPattern::Matches(const json::value& record) const {
  if (nodes_.empty()) return false;  // only a moved-from pattern: deliver nothing by mistake
  return MatchesNode(nodes_, 0, record.if_object());
}

Result<FilterCriteria> FilterCriteria::Parse(const std::vector<std::string>& patterns) {
  if (patterns.size() > kMaxFilters) {
    return Status::InvalidArgument(std::to_string(patterns.size()) + " filters given; at most " +
                                   std::to_string(kMaxFilters) + " are allowed");
  }
  FilterCriteria criteria;
  criteria.patterns_.reserve(patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) {
    auto pattern = FilterPattern::Parse(patterns[i]);
    if (!pattern.ok()) {
      return Status::InvalidArgument("filter " + std::to_string(i) + ": " + pattern.error().message());
    }
    criteria.patterns_.push_back(std::move(pattern).value());
  }
  return criteria;
}

bool FilterCriteria::Matches(const json::value& record) const {
  if (patterns_.empty()) return true;
  return std::any_of(patterns_.begin(), patterns_.end(),
                     [&](const FilterPattern& pattern) { return pattern.Matches(record); });
}

}  // namespace jobstream::stream
