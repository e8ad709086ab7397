// ErrorBody: the one JSON shape every error response uses.
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>

#include "http/request_handler.h"
#include "http/valid_utf8.h"

namespace jobstream::http {

std::string ErrorBody(std::string_view message) {
  // Messages echo client bytes (a header value in the canonical request, a path), and JSON must
  // be UTF-8: Boost.JSON escapes quotes, backslashes and control characters but copies other
  // bytes as they are, so ill-formed UTF-8 is replaced first. Hand-rolled escaping is where
  // injection bugs come from.
  std::string valid;
  AppendValidUtf8(valid, message);
  std::string body = "{\"message\": ";
  body += boost::json::serialize(boost::json::string_view(valid.data(), valid.size()));
  body += '}';
  return body;
}

}  // namespace jobstream::http
