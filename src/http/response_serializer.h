// Turns a Response into HTTP/1.1 wire bytes, by hand into one buffer.
#pragma once

#include <string>
#include <string_view>

#include "http/request_handler.h"

namespace jobstream::http {

// The transport's decisions about one response, made by the session, not the application.
struct ResponseFraming {
  std::string_view request_id;       // value of x-amzn-RequestId
  std::string_view date;             // value of Date (see date_header.h)
  bool keep_alive = true;            // false: "Connection: close", the session closes after it
  bool announce_keep_alive = false;  // HTTP/1.0 clients keep the connection only when told so
  bool head_request = false;         // a HEAD response carries the headers but no body
};

// Writes the status line, the headers and the body into `out`, replacing its contents but
// keeping its capacity. Hand-serialized because Beast's serializer was the largest user-space
// cost per request (PERF-NOTES.md: 0.63 vs 0.98 of nginx). Headers the transport owns
// (Content-Length, Date, Connection, ...) are dropped from response.headers, as are headers
// that could split the response (CR or LF in them); a status outside 200..599 becomes 500.
void SerializeResponse(const Response& response, const ResponseFraming& framing, std::string& out);

}  // namespace jobstream::http
