#include "common/pretty_json.h"

#include <boost/json/serialize.hpp>

namespace jobstream {
namespace {

// JSON as awscli prints it (Python's json.dumps with indent=4): one member per line, 4-space
// indents, empty containers as {} and [].
void AppendPretty(const boost::json::value& value, int indent, std::string& out) {
  const std::string inner(static_cast<std::size_t>(indent + 4), ' ');
  if (value.is_object()) {
    const boost::json::object& object = value.get_object();
    if (object.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& member : object) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      out += boost::json::serialize(boost::json::value(member.key()));
      out += ": ";
      AppendPretty(member.value(), indent + 4, out);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  } else if (value.is_array()) {
    const boost::json::array& array = value.get_array();
    if (array.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const boost::json::value& element : array) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      AppendPretty(element, indent + 4, out);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "]";
  } else {
    out += boost::json::serialize(value);
  }
}

}  // namespace

std::string PrettyJson(const boost::json::value& value) {
  std::string out;
  AppendPretty(value, 0, out);
  return out;
}

}  // namespace jobstream
