#include "dynamodb/expression_parser.h"

#include <array>
#include <optional>

#include "dynamodb/attribute_value.h"
#include "dynamodb/expression_lexer.h"
#include "dynamodb/reserved_words.h"

namespace jobstream::dynamodb {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 5> kConditionFunctions = {"attribute_exists", "attribute_not_exists",
                                                                 "attribute_type", "begins_with", "contains"};
constexpr std::array<std::string_view, 2> kUpdateFunctions = {"if_not_exists", "list_append"};

bool IsOneOf(std::string_view name, const auto& names) {
  for (std::string_view candidate : names) {
    if (candidate == name) return true;
  }
  return false;
}

bool IsComparator(const Token& token) {
  if (token.kind != TokenKind::kSymbol) return false;
  const std::string_view t = token.text;
  return t == "=" || t == "<>" || t == "<" || t == "<=" || t == ">" || t == ">=";
}

// A recursive-descent parser over the token list. Every error is returned as a value and stops
// the parse; nesting and operator counts are bounded so hostile text cannot exhaust the stack.
class Parser {
 public:
  Parser(std::string_view label, std::string_view text, const ExpressionAttributes& attributes, PlaceholderUse& use)
      : label_(label),
        text_(text),
        attributes_(attributes),
        use_(use),
        // Text over the bound is refused by Precheck; it is not even tokenized.
        tokens_(text.size() > kMaxExpressionBytes ? std::vector<Token>{Token{}} : Tokenize(text)) {}

  // Checks that apply before any grammar: size and emptiness.
  Status Precheck() const {
    if (text_.size() > kMaxExpressionBytes) {
      return Error("Expression size has exceeded the maximum allowed size; expression size: " +
                   std::to_string(text_.size()));
    }
    if (tokens_.size() == 1) return Error("The expression can not be empty;");
    return Status::Ok();
  }

  Result<Node> Condition() {
    auto node = Or();
    if (!node.ok()) return node;
    if (!AtEnd()) return Syntax();
    return node;
  }

  Result<UpdateActions> Update() {
    UpdateActions actions;
    std::array<bool, 4> seen{};
    constexpr std::array<std::string_view, 4> kClauses = {"SET", "REMOVE", "ADD", "DELETE"};
    while (!AtEnd()) {
      std::size_t clause = kClauses.size();
      for (std::size_t i = 0; i < kClauses.size(); ++i) {
        if (IsKeyword(Peek(), kClauses[i])) clause = i;
      }
      if (clause == kClauses.size()) return Syntax();
      if (seen[clause]) {
        return Error("The \"" + std::string(kClauses[clause]) +
                     "\" section can only be used once in an update expression;");
      }
      seen[clause] = true;
      ++pos_;
      do {
        if (Status status = UpdateAction(clause, actions); !status.ok()) return status;
      } while (Accept(","));
    }
    std::vector<DocumentPath> targets;
    for (const auto& [path, value] : actions.set) targets.push_back(path);
    for (const auto& path : actions.remove) targets.push_back(path);
    for (const auto& [path, value] : actions.add) targets.push_back(path);
    for (const auto& [path, value] : actions.del) targets.push_back(path);
    if (Status status = CheckPathsDisjoint(targets); !status.ok()) return Error(status.message());
    return actions;
  }

  Result<std::vector<DocumentPath>> Projection() {
    std::vector<DocumentPath> paths;
    do {
      auto path = Path();
      if (!path.ok()) return path.error();
      paths.push_back(std::move(path).value());
    } while (Accept(","));
    if (!AtEnd()) return Syntax();
    if (Status status = CheckPathsDisjoint(paths); !status.ok()) return Error(status.message());
    return paths;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  bool PeekSymbol(std::string_view symbol, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kSymbol && Peek(ahead).text == symbol;
  }
  bool Accept(std::string_view symbol) {
    if (!PeekSymbol(symbol)) return false;
    ++pos_;
    return true;
  }
  Status Error(const std::string& detail) const {
    return Status::InvalidArgument("Invalid " + std::string(label_) + ": " + detail);
  }
  Status Syntax() const { return Error(SyntaxError(text_, tokens_, std::min(pos_, tokens_.size() - 1))); }
  Status Expect(std::string_view symbol) { return Accept(symbol) ? Status::Ok() : Syntax(); }
  Status CountOperator() {
    if (++operators_ > kMaxOperators) {
      return Error("The expression contains too many operators; operator count: " + std::to_string(operators_));
    }
    return Status::Ok();
  }

  // One step of nesting for the lifetime of a parse call.
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(depth) { ++depth_; }
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    int& depth_;
  };
  Status CheckNesting() const {
    if (nesting_ > kMaxNesting)
      return Error("The expression is nested too deeply; nesting levels: " + std::to_string(nesting_));
    return Status::Ok();
  }

  Result<Node> Or() {
    auto first = And();
    if (!first.ok() || !IsKeyword(Peek(), "OR")) return first;
    Node node{Node::Kind::kOr};
    node.children.push_back(std::move(first).value());
    while (IsKeyword(Peek(), "OR")) {
      ++pos_;
      if (Status status = CountOperator(); !status.ok()) return status;
      auto next = And();
      if (!next.ok()) return next;
      node.children.push_back(std::move(next).value());
    }
    return node;
  }

  Result<Node> And() {
    auto first = Not();
    if (!first.ok() || !IsKeyword(Peek(), "AND")) return first;
    Node node{Node::Kind::kAnd};
    node.children.push_back(std::move(first).value());
    while (IsKeyword(Peek(), "AND")) {
      ++pos_;
      if (Status status = CountOperator(); !status.ok()) return status;
      auto next = Not();
      if (!next.ok()) return next;
      node.children.push_back(std::move(next).value());
    }
    return node;
  }

  Result<Node> Not() {
    Nesting nesting(nesting_);
    if (Status status = CheckNesting(); !status.ok()) return status;
    if (!IsKeyword(Peek(), "NOT")) return Primary();
    ++pos_;
    if (Status status = CountOperator(); !status.ok()) return status;
    auto operand = Not();
    if (!operand.ok()) return operand;
    Node node{Node::Kind::kNot};
    node.children.push_back(std::move(operand).value());
    return node;
  }

  Result<Node> Primary() {
    if (Accept("(")) {
      auto inner = Or();
      if (!inner.ok()) return inner;
      if (Status status = Expect(")"); !status.ok()) return status;
      return inner;
    }
    if (Peek().kind == TokenKind::kName && PeekSymbol("(", 1) && IsOneOf(Peek().text, kConditionFunctions)) {
      return Function();
    }
    auto left = Operand(/*update=*/false);
    if (!left.ok()) return left;
    if (IsComparator(Peek())) {
      Node node{Node::Kind::kCompare, std::string(Peek().text)};
      ++pos_;
      if (Status status = CountOperator(); !status.ok()) return status;
      auto right = Operand(false);
      if (!right.ok()) return right;
      node.children.push_back(std::move(left).value());
      node.children.push_back(std::move(right).value());
      return node;
    }
    if (IsKeyword(Peek(), "BETWEEN")) return Between(std::move(left).value());
    if (IsKeyword(Peek(), "IN")) return In(std::move(left).value());
    return Syntax();
  }

  Result<Node> Between(Node subject) {
    ++pos_;
    if (Status status = CountOperator(); !status.ok()) return status;
    auto low = Operand(false);
    if (!low.ok()) return low;
    if (!IsKeyword(Peek(), "AND")) return Syntax();
    ++pos_;
    auto high = Operand(false);
    if (!high.ok()) return high;
    if (low->kind == Node::Kind::kValue && high->kind == Node::Kind::kValue) {
      auto order = CompareOrdered(low->value, high->value);
      if (order && *order > 0) {
        return Error(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound "
            "operand: AttributeValue: " +
            DescribeForMessage(low->value) +
            ", upper bound operand: AttributeValue: " + DescribeForMessage(high->value));
      }
    }
    Node node{Node::Kind::kBetween};
    node.children.push_back(std::move(subject));
    node.children.push_back(std::move(low).value());
    node.children.push_back(std::move(high).value());
    return node;
  }

  Result<Node> In(Node subject) {
    ++pos_;
    if (Status status = CountOperator(); !status.ok()) return status;
    if (Status status = Expect("("); !status.ok()) return status;
    Node node{Node::Kind::kIn};
    node.children.push_back(std::move(subject));
    do {
      auto candidate = Operand(false);
      if (!candidate.ok()) return candidate;
      node.children.push_back(std::move(candidate).value());
      if (node.children.size() - 1 > kMaxInOperands) {
        return Error("The IN operator is provided with too many operands; number of operands: " +
                     std::to_string(node.children.size() - 1));
      }
    } while (Accept(","));
    if (Status status = Expect(")"); !status.ok()) return status;
    return node;
  }

  // A function call: name '(' operands ')', with each function's arity and argument kinds.
  Result<Node> Function() {
    Nesting nesting(nesting_);
    if (Status status = CheckNesting(); !status.ok()) return status;
    Node node{Node::Kind::kFunction, std::string(Peek().text)};
    pos_ += 2;  // name and '('
    if (Status status = CountOperator(); !status.ok()) return status;
    const bool update = IsOneOf(node.op, kUpdateFunctions);
    do {
      auto argument = Operand(update);
      if (!argument.ok()) return argument;
      node.children.push_back(std::move(argument).value());
    } while (Accept(","));
    if (Status status = Expect(")"); !status.ok()) return status;
    const std::size_t arity =
        node.op == "attribute_exists" || node.op == "attribute_not_exists" || node.op == "size" ? 1 : 2;
    if (node.children.size() != arity) {
      return Error("Incorrect number of operands for operator or function; operator or function: " + node.op +
                   ", number of operands: " + std::to_string(node.children.size()));
    }
    const bool needs_path = node.op != "list_append";
    if (needs_path && node.children.front().kind != Node::Kind::kPath) {
      return Error("Operator or function requires a document path; operator or function: " + node.op);
    }
    if (node.op == "attribute_type") {
      const Node& type = node.children[1];
      const json::string* name = nullptr;
      if (type.kind == Node::Kind::kValue && TypeOf(type.value) == AttributeType::kS) {
        name = type.value.get_object().begin()->value().if_string();
      }
      if (name == nullptr || !TypeFromName(*name)) {
        return Error("Invalid attribute type name found; type: " +
                     (type.kind == Node::Kind::kValue ? DescribeForMessage(type.value) : std::string("path")) +
                     ", valid types: { B,N,S,BOOL,NULL,SS,NS,BS,L,M }");
      }
    }
    return node;
  }

  // A path, a :value or a function call; `update` allows if_not_exists and list_append (SET's
  // operands) instead of size (conditions' only operand function).
  Result<Node> Operand(bool update) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kValuePlaceholder) {
      ++pos_;
      const std::string key(token.text);
      const json::value* value = nullptr;
      if (attributes_.values != nullptr) {
        auto it = attributes_.values->find(key);
        if (it != attributes_.values->end()) value = &it->value();
      }
      if (value == nullptr) {
        return Error("An expression attribute value used in expression is not defined; attribute value: " + key);
      }
      use_.values.insert(key);
      Node node{Node::Kind::kValue};
      node.value = *value;
      return node;
    }
    if (token.kind == TokenKind::kName && PeekSymbol("(", 1)) {
      const std::string_view name = token.text;
      const bool allowed = update ? IsOneOf(name, kUpdateFunctions) : name == "size";
      if (!allowed) {
        if (IsOneOf(name, kUpdateFunctions) || IsOneOf(name, kConditionFunctions) || name == "size") {
          return Error("The function is not allowed to be used this way in an expression; function: " +
                       std::string(name));
        }
        return Error("Invalid function name; function: " + std::string(name));
      }
      return Function();
    }
    auto path = Path();
    if (!path.ok()) return path.error();
    Node node{Node::Kind::kPath};
    node.path = std::move(path).value();
    return node;
  }

  Result<std::string> PathName() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kName) {
      if (IsReservedWord(token.text)) {
        return Error("Attribute name is a reserved keyword; reserved keyword: " + std::string(token.text));
      }
      ++pos_;
      return std::string(token.text);
    }
    if (token.kind == TokenKind::kNamePlaceholder) {
      const std::string key(token.text);
      const json::string* name = nullptr;
      if (attributes_.names != nullptr) {
        auto it = attributes_.names->find(key);
        if (it != attributes_.names->end()) name = it->value().if_string();
      }
      if (name == nullptr) {
        return Error("An expression attribute name used in the document path is not defined; attribute name: " + key);
      }
      use_.names.insert(key);
      ++pos_;
      return std::string(*name);
    }
    return Syntax();
  }

  Result<DocumentPath> Path() {
    DocumentPath path;
    auto first = PathName();
    if (!first.ok()) return first.error();
    path.push_back({std::move(first).value(), 0, false});
    while (true) {
      if (Accept(".")) {
        auto name = PathName();
        if (!name.ok()) return name.error();
        path.push_back({std::move(name).value(), 0, false});
      } else if (Accept("[")) {
        const Token& index = Peek();
        // Nine digits at most: an index is bounded by the item's size long before that.
        if (index.kind != TokenKind::kNumber || index.text.size() > 9) return Syntax();
        ++pos_;
        if (Status status = Expect("]"); !status.ok()) return status;
        std::size_t value = 0;
        for (char digit : index.text) value = value * 10 + static_cast<std::size_t>(digit - '0');
        path.push_back({std::string(), value, true});
      } else {
        break;
      }
      if (path.size() > static_cast<std::size_t>(kMaxPathDepth)) {
        return Error("The document path has too many nesting levels; nesting levels: " + std::to_string(path.size()));
      }
    }
    return path;
  }

  // One action of the clause kClauses[clause] (SET, REMOVE, ADD, DELETE).
  Status UpdateAction(std::size_t clause, UpdateActions& actions) {
    auto path = Path();
    if (!path.ok()) return path.error();
    if (clause == 1) {
      actions.remove.push_back(std::move(path).value());
      return Status::Ok();
    }
    if (clause == 0) {
      if (Status status = Expect("="); !status.ok()) return status;
      auto value = Operand(true);
      if (!value.ok()) return value.error();
      Node node = std::move(value).value();
      if (PeekSymbol("+") || PeekSymbol("-")) {
        Node sum{PeekSymbol("+") ? Node::Kind::kPlus : Node::Kind::kMinus, std::string(Peek().text)};
        ++pos_;
        if (Status status = CountOperator(); !status.ok()) return status;
        auto right = Operand(true);
        if (!right.ok()) return right.error();
        sum.children.push_back(std::move(node));
        sum.children.push_back(std::move(right).value());
        node = std::move(sum);
      }
      actions.set.emplace_back(std::move(path).value(), std::move(node));
      return Status::Ok();
    }
    if (Peek().kind != TokenKind::kValuePlaceholder) return Syntax();
    auto value = Operand(true);
    if (!value.ok()) return value.error();
    const std::string_view op = clause == 2 ? "ADD" : "DELETE";
    const auto type = TypeOf(value->value);
    const bool set = type == AttributeType::kSS || type == AttributeType::kNS || type == AttributeType::kBS;
    if (!set && !(clause == 2 && type == AttributeType::kN)) {
      return Error("Incorrect operand type for operator or function; operator: " + std::string(op) +
                   ", operand type: " + TypeDescription(type));
    }
    (clause == 2 ? actions.add : actions.del).emplace_back(std::move(path).value(), std::move(value->value));
    return Status::Ok();
  }

  static std::string TypeDescription(std::optional<AttributeType> type) {
    if (!type) return "UNKNOWN";
    switch (*type) {
      case AttributeType::kS:
        return "STRING";
      case AttributeType::kN:
        return "NUMBER";
      case AttributeType::kB:
        return "BINARY";
      case AttributeType::kBool:
        return "BOOLEAN";
      case AttributeType::kNull:
        return "NULL";
      case AttributeType::kM:
        return "MAP";
      case AttributeType::kL:
        return "LIST";
      case AttributeType::kSS:
        return "STRING SET";
      case AttributeType::kNS:
        return "NUMBER SET";
      case AttributeType::kBS:
        return "BINARY SET";
    }
    return "UNKNOWN";
  }

  std::string_view label_;
  std::string_view text_;
  const ExpressionAttributes& attributes_;
  PlaceholderUse& use_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int operators_ = 0;
  int nesting_ = 0;
};

}  // namespace

Result<Node> ParseConditionTree(std::string_view label, std::string_view text, const ExpressionAttributes& attributes,
                                PlaceholderUse& use) {
  Parser parser(label, text, attributes, use);
  if (Status status = parser.Precheck(); !status.ok()) return status;
  return parser.Condition();
}

Result<UpdateActions> ParseUpdateActions(std::string_view text, const ExpressionAttributes& attributes,
                                         PlaceholderUse& use) {
  Parser parser("UpdateExpression", text, attributes, use);
  if (Status status = parser.Precheck(); !status.ok()) return status;
  return parser.Update();
}

Result<std::vector<DocumentPath>> ParseProjectionPaths(std::string_view text, const ExpressionAttributes& attributes,
                                                       PlaceholderUse& use) {
  Parser parser("ProjectionExpression", text, attributes, use);
  if (Status status = parser.Precheck(); !status.ok()) return status;
  return parser.Projection();
}

}  // namespace jobstream::dynamodb
