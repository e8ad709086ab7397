#include "dynamodb/condition_expression.h"

#include <utility>

#include "dynamodb/expression_parser.h"

namespace jobstream::dynamodb {
namespace json = boost::json;

namespace {

// An operand's value in the item: a pointer into the item or the node, or a computed size;
// nullptr when the path is missing (or size() has no answer), which makes comparisons false.
struct OperandValue {
  const json::value* value = nullptr;
  json::value computed;
};

OperandValue Resolve(const Node& node, const Item& item) {
  OperandValue out;
  switch (node.kind) {
    case Node::Kind::kValue:
      out.value = &node.value;
      break;
    case Node::Kind::kPath:
      out.value = FindValue(item, node.path);
      break;
    case Node::Kind::kFunction: {  // size(path), the only operand function of a condition
      const json::value* target = FindValue(item, node.children.front().path);
      auto size = target != nullptr ? AttributeSize(*target) : std::nullopt;
      if (size) {
        json::object number;
        number.emplace("N", std::to_string(*size));
        out.computed = std::move(number);
        out.value = &out.computed;
      }
      break;
    }
    default:
      break;
  }
  return out;
}

bool CompareWith(std::string_view op, const json::value* a, const json::value* b) {
  if (op == "=") return a != nullptr && b != nullptr && AttributeEquals(*a, *b);
  // A missing attribute is different from any value (a filter `status <> :s` keeps items
  // without a status).
  if (op == "<>") return a == nullptr || b == nullptr || !AttributeEquals(*a, *b);
  if (a == nullptr || b == nullptr) return false;
  auto order = CompareOrdered(*a, *b);
  if (!order) return false;
  if (op == "<") return *order < 0;
  if (op == "<=") return *order <= 0;
  if (op == ">") return *order > 0;
  return *order >= 0;  // ">="
}

const json::value* Payload(const json::value* value) {
  return value == nullptr || !value->is_object() || value->get_object().size() != 1
             ? nullptr
             : &value->get_object().begin()->value();
}

bool Contains(const json::value& haystack, const json::value& needle) {
  auto type = TypeOf(haystack);
  auto needle_type = TypeOf(needle);
  const json::value* payload = Payload(&haystack);
  const json::value* needle_payload = Payload(&needle);
  if (!type || !needle_type || payload == nullptr || needle_payload == nullptr) return false;
  switch (*type) {
    case AttributeType::kS:
      return *needle_type == AttributeType::kS && payload->is_string() && needle_payload->is_string() &&
             std::string_view(payload->get_string()).find(needle_payload->get_string()) != std::string_view::npos;
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS: {
      // A set holds members of its element type: SS → S, NS → N, BS → B.
      const AttributeType element = *type == AttributeType::kSS   ? AttributeType::kS
                                    : *type == AttributeType::kNS ? AttributeType::kN
                                                                  : AttributeType::kB;
      if (*needle_type != element || !payload->is_array()) return false;
      for (const json::value& member : payload->get_array()) {
        json::object typed;
        typed.emplace(TypeName(element), member);
        if (AttributeEquals(typed, needle)) return true;
      }
      return false;
    }
    case AttributeType::kL:
      if (!payload->is_array()) return false;
      for (const json::value& member : payload->get_array()) {
        if (AttributeEquals(member, needle)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool BeginsWith(const json::value* subject, const json::value* prefix) {
  if (subject == nullptr || prefix == nullptr) return false;
  auto type = TypeOf(*subject);
  if (!type || type != TypeOf(*prefix) || (*type != AttributeType::kS && *type != AttributeType::kB)) return false;
  const json::value* a = Payload(subject);
  const json::value* b = Payload(prefix);
  if (!a->is_string() || !b->is_string()) return false;
  if (*type == AttributeType::kS) return std::string_view(a->get_string()).starts_with(b->get_string());
  auto bytes = DecodeBase64(a->get_string());
  auto start = DecodeBase64(b->get_string());
  return bytes && start && bytes->starts_with(*start);
}

bool EvaluateFunction(const Node& node, const Item& item) {
  const json::value* subject = FindValue(item, node.children.front().path);
  if (node.op == "attribute_exists") return subject != nullptr;
  if (node.op == "attribute_not_exists") return subject == nullptr;
  OperandValue second = Resolve(node.children[1], item);
  if (node.op == "attribute_type") {
    const json::value* name = Payload(second.value);
    auto type = subject != nullptr ? TypeOf(*subject) : std::nullopt;
    return type && name != nullptr && name->is_string() && TypeName(*type) == std::string_view(name->get_string());
  }
  if (node.op == "begins_with") return BeginsWith(subject, second.value);
  if (node.op == "contains") return subject != nullptr && second.value != nullptr && Contains(*subject, *second.value);
  return false;
}

// Recursion follows the tree, whose depth the parser bounds (kMaxNesting).
bool EvaluateNode(const Node& node, const Item& item) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const Node& child : node.children) {
        if (!EvaluateNode(child, item)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& child : node.children) {
        if (EvaluateNode(child, item)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !EvaluateNode(node.children.front(), item);
    case Node::Kind::kCompare: {
      OperandValue a = Resolve(node.children[0], item);
      OperandValue b = Resolve(node.children[1], item);
      return CompareWith(node.op, a.value, b.value);
    }
    case Node::Kind::kBetween: {
      OperandValue x = Resolve(node.children[0], item);
      OperandValue low = Resolve(node.children[1], item);
      OperandValue high = Resolve(node.children[2], item);
      return CompareWith(">=", x.value, low.value) && CompareWith("<=", x.value, high.value);
    }
    case Node::Kind::kIn: {
      OperandValue x = Resolve(node.children[0], item);
      for (std::size_t i = 1; i < node.children.size(); ++i) {
        OperandValue candidate = Resolve(node.children[i], item);
        if (CompareWith("=", x.value, candidate.value)) return true;
      }
      return false;
    }
    case Node::Kind::kFunction:
      return EvaluateFunction(node, item);
    default:
      return false;
  }
}

}  // namespace

CompiledCondition::CompiledCondition(std::shared_ptr<const Node> root, PlaceholderUse use)
    : root_(std::move(root)), use_(std::move(use)) {}

Result<CompiledCondition> ParseCondition(std::string_view text, const ExpressionAttributes& attributes,
                                         std::string_view label) {
  PlaceholderUse use;
  auto root = ParseConditionTree(label, text, attributes, use);
  if (!root.ok()) return root.error();
  return CompiledCondition(std::make_shared<const Node>(std::move(root).value()), std::move(use));
}

bool Evaluate(const CompiledCondition& condition, const Item& item) { return EvaluateNode(condition.root(), item); }

}  // namespace jobstream::dynamodb
