// JSON laid out as awscli prints it, for documents people read (keys, CLI output).
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace jobstream {

// Python's json.dumps(value, indent=4): one member per line, 4-space indents, {} and [] when empty.
std::string PrettyJson(const boost::json::value& value);

}  // namespace jobstream
