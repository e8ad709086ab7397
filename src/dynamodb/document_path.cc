#include "dynamodb/document_path.h"

#include <algorithm>

namespace jobstream::dynamodb {
namespace json = boost::json;

std::string DescribePath(const DocumentPath& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ", ";
    out += path[i].is_index ? "[" + std::to_string(path[i].index) + "]" : path[i].name;
  }
  return out + "]";
}

const json::value* FindValue(const Item& item, const DocumentPath& path) {
  if (path.empty() || path.front().is_index) return nullptr;
  auto top = item.find(path.front().name);
  if (top == item.end()) return nullptr;
  const json::value* current = &top->value();
  for (std::size_t i = 1; i < path.size(); ++i) {
    const json::object* typed = current->if_object();
    if (typed == nullptr || typed->size() != 1) return nullptr;
    const auto& [type, payload] = *typed->begin();
    if (path[i].is_index) {
      const json::array* list = payload.if_array();
      if (type != "L" || list == nullptr || path[i].index >= list->size()) return nullptr;
      current = &(*list)[path[i].index];
    } else {
      const json::object* map = payload.if_object();
      if (type != "M" || map == nullptr) return nullptr;
      auto it = map->find(path[i].name);
      if (it == map->end()) return nullptr;
      current = &it->value();
    }
  }
  return current;
}

Status CheckPathsDisjoint(const std::vector<DocumentPath>& paths) {
  // Quadratic, but the paths of one expression are few (bounded by the expression's length).
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (std::size_t j = i + 1; j < paths.size(); ++j) {
      const DocumentPath& a = paths[i];
      const DocumentPath& b = paths[j];
      const std::size_t common = std::min(a.size(), b.size());
      bool diverged = false;
      for (std::size_t k = 0; k < common && !diverged; ++k) {
        if (a[k].is_index != b[k].is_index) {
          return Status::InvalidArgument(
              "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " +
              DescribePath(a) + ", path two: " + DescribePath(b));
        }
        diverged = a[k].is_index ? a[k].index != b[k].index : a[k].name != b[k].name;
      }
      if (!diverged) {
        return Status::InvalidArgument(
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " +
            DescribePath(a) + ", path two: " + DescribePath(b));
      }
    }
  }
  return Status::Ok();
}

}  // namespace jobstream::dynamodb
