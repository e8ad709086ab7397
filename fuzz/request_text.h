// The request format of the AWS SigV4 test suite (tests/testdata/sigv4-suite), shared by the
// SigV4 fuzz targets so the suite's files are their seeds: "METHOD TARGET HTTP/1.1", then
// "Name:value" lines (a line starting with a space or tab continues the previous value), a blank
// line, the body. Any bytes are accepted; what cannot be split goes where it falls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4_verifier.h"

namespace jobstream::fuzz {

struct RequestText {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Views into this object, which must outlive them.
  auth::SignedRequestView View() const {
    auth::SignedRequestView view{method, target, {}, body};
    for (const auto& [name, value] : headers) view.headers.emplace_back(name, value);
    return view;
  }
};

inline RequestText ParseRequestText(std::string_view text) {
  RequestText request;
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return request;
  const std::size_t first_space = line.find(' ');
  request.method = std::string(line.substr(0, first_space));
  if (first_space != std::string_view::npos) {
    std::string_view rest = line.substr(first_space + 1);
    const std::size_t version = rest.rfind(" HTTP/");
    request.target = std::string(rest.substr(0, version));
  }
  while (next_line(line) && !line.empty()) {
    if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n";
      request.headers.back().second += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      request.headers.emplace_back(std::string(line), std::string());
    } else {
      request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
  }
  if (pos < text.size()) request.body = std::string(text.substr(pos));
  return request;
}

// The fuzzer's bytes as text.
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace jobstream::fuzz
