#include "dynamodb/update_expression.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "dynamodb/expression_parser.h"
#include "dynamodb/number.h"

namespace jobstream::dynamodb {
namespace json = boost::json;

namespace {

Status WrongType() { return Status::InvalidArgument("An operand in the update expression has an incorrect data type"); }

Status InvalidPath() {
  return Status::InvalidArgument("The document path provided in the update expression is invalid for update");
}

json::value Typed(std::string_view type, json::value payload) {
  json::object typed;
  typed.emplace(type, std::move(payload));
  return typed;
}

// The payload of a typed value of type `type`, or nullptr.
json::value* PayloadOf(json::value& value, std::string_view type) {
  json::object* typed = value.if_object();
  if (typed == nullptr || typed->size() != 1 || typed->begin()->key() != type) return nullptr;
  return &typed->begin()->value();
}

// The container the last step of `path` lives in: the item (one step) or a nested M or L.
// nullptr when a step before the last is missing or not a container of the right kind.
json::value* Parent(Item& item, const DocumentPath& path) {
  auto top = item.find(path.front().name);
  if (top == item.end()) return nullptr;
  json::value* current = &top->value();
  for (std::size_t i = 1; i + 1 < path.size(); ++i) {
    if (path[i].is_index) {
      json::value* list = PayloadOf(*current, "L");
      if (list == nullptr || !list->is_array() || path[i].index >= list->get_array().size()) return nullptr;
      current = &list->get_array()[path[i].index];
    } else {
      json::value* map = PayloadOf(*current, "M");
      if (map == nullptr || !map->is_object()) return nullptr;
      auto it = map->get_object().find(path[i].name);
      if (it == map->get_object().end()) return nullptr;
      current = &it->value();
    }
  }
  return current;
}

Status Assign(Item& item, const DocumentPath& path, json::value value) {
  if (path.size() == 1) {
    item[path.front().name] = std::move(value);
    return Status::Ok();
  }
  json::value* parent = Parent(item, path);
  if (parent == nullptr) return InvalidPath();
  const PathElement& last = path.back();
  if (last.is_index) {
    json::value* list = PayloadOf(*parent, "L");
    if (list == nullptr || !list->is_array()) return InvalidPath();
    json::array& elements = list->get_array();
    // An index past the end appends, as DynamoDB does.
    if (last.index < elements.size()) {
      elements[last.index] = std::move(value);
    } else {
      elements.push_back(std::move(value));
    }
    return Status::Ok();
  }
  json::value* map = PayloadOf(*parent, "M");
  if (map == nullptr || !map->is_object()) return InvalidPath();
  map->get_object()[last.name] = std::move(value);
  return Status::Ok();
}

void RemovePath(Item& item, const DocumentPath& path) {
  if (path.size() == 1) {
    item.erase(path.front().name);
    return;
  }
  json::value* parent = Parent(item, path);
  if (parent == nullptr) return;
  const PathElement& last = path.back();
  if (last.is_index) {
    json::value* list = PayloadOf(*parent, "L");
    if (list != nullptr && list->is_array() && last.index < list->get_array().size()) {
      list->get_array().erase(list->get_array().begin() + static_cast<std::ptrdiff_t>(last.index));
    }
    return;
  }
  json::value* map = PayloadOf(*parent, "M");
  if (map != nullptr && map->is_object()) map->get_object().erase(last.name);
}

Result<Number> NumberOf(const json::value& value) {
  const json::object* typed = value.if_object();
  if (typed == nullptr || typed->size() != 1 || typed->begin()->key() != "N" || !typed->begin()->value().is_string()) {
    return WrongType();
  }
  return Number::Parse(typed->begin()->value().get_string());
}

// The value of a SET operand, read from the item as it was before the update. Recursion
// follows the operand's nesting, which the parser bounds.
Result<json::value> EvaluateOperand(const Node& node, const Item& before) {
  switch (node.kind) {
    case Node::Kind::kValue:
      return node.value;
    case Node::Kind::kPath: {
      const json::value* found = FindValue(before, node.path);
      if (found == nullptr) {
        return Status::InvalidArgument(
            "The provided expression refers to an attribute that does not exist in the item");
      }
      return *found;
    }
    case Node::Kind::kPlus:
    case Node::Kind::kMinus: {
      auto a = EvaluateOperand(node.children[0], before);
      if (!a.ok()) return a;
      auto b = EvaluateOperand(node.children[1], before);
      if (!b.ok()) return b;
      auto x = NumberOf(*a);
      if (!x.ok()) return x.error();
      auto y = NumberOf(*b);
      if (!y.ok()) return y.error();
      auto result = node.kind == Node::Kind::kPlus ? Add(*x, *y) : Subtract(*x, *y);
      if (!result.ok()) return result.error();
      return Typed("N", json::string(result->ToString()));
    }
    case Node::Kind::kFunction: {
      if (node.op == "if_not_exists") {
        const json::value* found = FindValue(before, node.children[0].path);
        if (found != nullptr) return *found;
        return EvaluateOperand(node.children[1], before);
      }
      // list_append(a, b): a's elements, then b's.
      auto a = EvaluateOperand(node.children[0], before);
      if (!a.ok()) return a;
      auto b = EvaluateOperand(node.children[1], before);
      if (!b.ok()) return b;
      json::value* first = PayloadOf(*a, "L");
      json::value* second = PayloadOf(*b, "L");
      if (first == nullptr || second == nullptr || !first->is_array() || !second->is_array()) return WrongType();
      json::array joined = std::move(first->get_array());
      for (json::value& element : second->get_array()) joined.push_back(std::move(element));
      return Typed("L", std::move(joined));
    }
    default:
      return Status::Internal("unexpected node in an update operand");
  }
}

// Members of set `values` (payload array of type `type`) as canonical keys, for union and difference.
std::string MemberKey(std::string_view type, const json::value& member) {
  if (!member.is_string()) return {};
  if (type == "NS") {
    auto number = Number::Parse(member.get_string());
    if (number.ok()) return number->ToString();
  }
  return std::string(member.get_string());
}

Status AddToPath(Item& item, const DocumentPath& path, const json::value& value) {
  const json::value* existing = FindValue(item, path);
  if (existing == nullptr) return Assign(item, path, value);
  json::value updated = *existing;
  const std::string_view type = value.get_object().begin()->key();
  if (type == "N") {
    auto a = NumberOf(updated);
    if (!a.ok()) return WrongType();
    auto b = NumberOf(value);
    if (!b.ok()) return b.error();
    auto sum = Add(*a, *b);
    if (!sum.ok()) return sum.error();
    return Assign(item, path, Typed("N", json::string(sum->ToString())));
  }
  json::value* members = PayloadOf(updated, type);
  if (members == nullptr || !members->is_array()) return WrongType();
  for (const json::value& member : value.get_object().begin()->value().get_array()) {
    const std::string key = MemberKey(type, member);
    const bool present = std::any_of(members->get_array().begin(), members->get_array().end(),
                                     [&](const json::value& m) { return MemberKey(type, m) == key; });
    if (!present) members->get_array().push_back(member);
  }
  return Assign(item, path, std::move(updated));
}

Status DeleteFromPath(Item& item, const DocumentPath& path, const json::value& value) {
  const json::value* existing = FindValue(item, path);
  if (existing == nullptr) return Status::Ok();
  json::value updated = *existing;
  const std::string_view type = value.get_object().begin()->key();
  json::value* members = PayloadOf(updated, type);
  if (members == nullptr || !members->is_array()) return WrongType();
  for (const json::value& member : value.get_object().begin()->value().get_array()) {
    const std::string key = MemberKey(type, member);
    json::array& list = members->get_array();
    auto it = std::find_if(list.begin(), list.end(), [&](const json::value& m) { return MemberKey(type, m) == key; });
    if (it != list.end()) list.erase(it);
  }
  // DynamoDB has no empty sets: deleting the last member removes the attribute.
  if (members->get_array().empty()) {
    RemovePath(item, path);
    return Status::Ok();
  }
  return Assign(item, path, std::move(updated));
}

// Later list indexes first, so that removing one does not shift another still to be removed.
bool RemoveFirst(const DocumentPath& a, const DocumentPath& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].is_index && b[i].is_index && a[i].index != b[i].index) return a[i].index > b[i].index;
    if (!a[i].is_index && !b[i].is_index && a[i].name != b[i].name) return a[i].name > b[i].name;
    if (a[i].is_index != b[i].is_index) return a[i].is_index;
  }
  return a.size() > b.size();
}

}  // namespace

CompiledUpdate::CompiledUpdate(std::shared_ptr<const UpdateActions> actions, PlaceholderUse use)
    : actions_(std::move(actions)), use_(std::move(use)) {}

Result<CompiledUpdate> ParseUpdateExpression(std::string_view text, const ExpressionAttributes& attributes) {
  PlaceholderUse use;
  auto actions = ParseUpdateActions(text, attributes, use);
  if (!actions.ok()) return actions.error();
  return CompiledUpdate(std::make_shared<const UpdateActions>(std::move(actions).value()), std::move(use));
}

Result<Item> Apply(const CompiledUpdate& update, Item current) {
  const UpdateActions& actions = update.actions();
  // Every SET operand is evaluated before anything is written.
  std::vector<json::value> values;
  values.reserve(actions.set.size());
  for (const auto& [path, operand] : actions.set) {
    auto value = EvaluateOperand(operand, current);
    if (!value.ok()) return value.error();
    values.push_back(std::move(value).value());
  }
  // `current` is the item being built from here on: nothing reads the old one any more.
  Item& next = current;
  for (std::size_t i = 0; i < actions.set.size(); ++i) {
    if (Status status = Assign(next, actions.set[i].first, std::move(values[i])); !status.ok()) return status;
  }
  std::vector<DocumentPath> removals = actions.remove;
  std::sort(removals.begin(), removals.end(), RemoveFirst);
  for (const DocumentPath& path : removals) RemovePath(next, path);
  for (const auto& [path, value] : actions.add) {
    if (Status status = AddToPath(next, path, value); !status.ok()) return status;
  }
  for (const auto& [path, value] : actions.del) {
    if (Status status = DeleteFromPath(next, path, value); !status.ok()) return status;
  }
  return next;
}

}  // namespace jobstream::dynamodb
