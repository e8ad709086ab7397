// ErrorBody: the one JSON shape every error response uses.
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>

#include "http/request_handler.h"

namespace jobstream::http {

std::string ErrorBody(std::string_view message) {
  // Boost.JSON escapes quotes, backslashes, control characters and invalid UTF-8 correctly;
  // hand-rolled escaping is where injection bugs come from.
  std::string body = "{\"message\": ";
  body += boost::json::serialize(boost::json::string_view(message.data(), message.size()));
  body += '}';
  return body;
}

}  // namespace jobstream::http
