#include "dynamodb/projection.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "dynamodb/expression_parser.h"

namespace jobstream::dynamodb {
namespace json = boost::json;

namespace {

// The projected paths as a tree: a step either takes its whole value or some of its children.
// Paths never overlap (the parser refuses it), so a whole step has no children.
struct Selection {
  bool whole = false;
  std::map<std::string, Selection> names;
  std::map<std::size_t, Selection> indexes;  // ordered, so projected lists keep the item's order
};

// The parts of `value` `selection` names, or nullopt when none exist. Recursion is bounded by
// the path depth (kMaxPathDepth).
std::optional<json::value> Select(const json::value& value, const Selection& selection) {
  if (selection.whole) return value;
  const json::object* typed = value.if_object();
  if (typed == nullptr || typed->size() != 1) return std::nullopt;
  const auto& [type, payload] = *typed->begin();
  json::object out;
  if (!selection.names.empty() && type == "M" && payload.is_object()) {
    json::object map;
    for (const auto& [name, child] : selection.names) {
      auto it = payload.get_object().find(name);
      if (it == payload.get_object().end()) continue;
      if (auto selected = Select(it->value(), child)) map.emplace(name, std::move(*selected));
    }
    if (map.empty()) return std::nullopt;
    out.emplace("M", std::move(map));
    return out;
  }
  if (!selection.indexes.empty() && type == "L" && payload.is_array()) {
    json::array list;
    for (const auto& [index, child] : selection.indexes) {
      if (index >= payload.get_array().size()) continue;
      if (auto selected = Select(payload.get_array()[index], child)) list.push_back(std::move(*selected));
    }
    if (list.empty()) return std::nullopt;
    out.emplace("L", std::move(list));
    return out;
  }
  return std::nullopt;
}

}  // namespace

Result<Projection> ParseProjection(std::string_view text, const ExpressionAttributes& attributes) {
  Projection projection;
  auto paths = ParseProjectionPaths(text, attributes, projection.placeholders);
  if (!paths.ok()) return paths.error();
  projection.paths = std::move(paths).value();
  return projection;
}

Item Project(const Projection& projection, const Item& item) {
  std::map<std::string, Selection> top;
  for (const DocumentPath& path : projection.paths) {
    Selection* step = &top[path.front().name];
    for (std::size_t i = 1; i < path.size(); ++i) {
      step = path[i].is_index ? &step->indexes[path[i].index] : &step->names[path[i].name];
    }
    step->whole = true;
  }
  Item out;
  for (const auto& [name, selection] : top) {
    auto it = item.find(name);
    if (it == item.end()) continue;
    if (auto selected = Select(it->value(), selection)) out.emplace(name, std::move(*selected));
  }
  return out;
}

}  // namespace jobstream::dynamodb
