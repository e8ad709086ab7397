// Every bound a client can drive on the HTTP transport (STYLE.md habit 7).
#pragma once

#include <chrono>
#include <cstddef>

namespace jobstream::http {

struct ServerLimits {
  // A larger request body gets 413 {"message": "Request body is larger than N bytes"}, then close.
  std::size_t max_body_bytes = std::size_t{256} * 1024;
  // A larger request line + header block gets 431 {"message": "Request header fields too large"}
  // (414 {"message": "Request-URI too long"} when the request line alone is larger).
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  // More header fields (trailer fields included) also get 431. Real clients send about a dozen;
  // the bytes bound alone would allow ~4,000 tiny fields, each a parser allocation.
  std::size_t max_header_fields = 100;
  // A started request must fully arrive within this (slowloris); then 408 if nothing was answered
  // on the connection yet, else a silent close.
  std::chrono::milliseconds read_timeout{30000};
  // A keep-alive connection with no request in progress is closed silently after this.
  std::chrono::milliseconds idle_timeout{60000};
  // Beyond this many open connections, a new one gets 503 {"message": "Too many connections"}.
  std::size_t max_connections = 10000;
  // A response must be taken by the client within this, or the connection is closed.
  std::chrono::milliseconds write_timeout{30000};
  // After a closing response, how long unread client input is drained before the close, so the
  // kernel does not answer it with a RST that could destroy the response before it is read.
  std::chrono::milliseconds linger_timeout{2000};
};

}  // namespace jobstream::http
