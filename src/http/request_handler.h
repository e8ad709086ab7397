// The boundary between the HTTP transport (server.h) and the application (api/).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace jobstream::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct Response {
  unsigned status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Location
};

// Delivers the response for one request. Must be called exactly once, from any thread; the
// server moves the write onto the connection's own executor.
using Respond = std::function<void(Response)>;

// Application logic behind the server. Thread-safe: Handle is called concurrently from every I/O
// thread. Handle must not block; long work (a durable commit) completes later through respond.
// The Request is valid only until respond is called: the server frees it with the response.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void Handle(Request& request, Respond respond) = 0;
};

// Builds the JSON error body every error response uses: {"message": "..."}.
std::string ErrorBody(std::string_view message);

}  // namespace jobstream::http
