#include "http/response_serializer.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

namespace jobstream::http {
namespace {

namespace beast = boost::beast;

constexpr std::string_view kRequestIdHeader = "x-amzn-RequestId";

// Headers whose value only the transport can know; a handler setting them would corrupt framing.
constexpr std::array<std::string_view, 7> kTransportHeaders = {
    "Content-Length", "Content-Type", "Date", "Connection", "Transfer-Encoding", "Keep-Alive", kRequestIdHeader};

bool IsTokenChar(char c) {
  // RFC 9110 tchar.
  constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return kPunctuation.find(c) != std::string_view::npos;
}

bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool IsValidValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IsTransportHeader(std::string_view name) {
  for (std::string_view reserved : kTransportHeaders) {
    if (beast::iequals(beast::string_view(name.data(), name.size()),
                       beast::string_view(reserved.data(), reserved.size()))) {
      return true;
    }
  }
  return false;
}

void AppendNumber(std::string& out, std::size_t value) {
  std::array<char, 24> digits;
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

std::string_view ReasonPhrase(unsigned status) {
  const auto known = beast::http::int_to_status(status);
  if (known == beast::http::status::unknown) return "Unknown";
  const auto reason = beast::http::obsolete_reason(known);
  return {reason.data(), reason.size()};
}

}  // namespace

void SerializeResponse(const Response& response, const ResponseFraming& framing, std::string& out) {
  unsigned status = response.status;
  if (status < 200 || status > 599) {
    // 1xx would need different framing and nothing in the API sends one: a handler bug.
    spdlog::warn("http: handler returned status {}; sending 500", status);
    status = 500;
  }
  // RFC 9110 §8.6: no Content-Length (and no body) with 204; 304 has no body either.
  const bool has_length = status != 204 && status != 304;
  const bool send_body = has_length && !framing.head_request;

  std::string_view content_type = response.content_type;
  if (!IsValidValue(content_type)) content_type = "application/octet-stream";

  out.clear();
  out.reserve(256 + response.body.size());
  out += "HTTP/1.1 ";
  AppendNumber(out, status);
  out += ' ';
  out += ReasonPhrase(status);
  out += "\r\n";
  if (!content_type.empty()) AppendHeader(out, "Content-Type", content_type);
  if (has_length) {
    out += "Content-Length: ";
    AppendNumber(out, response.body.size());
    out += "\r\n";
  }
  AppendHeader(out, "Date", framing.date);
  AppendHeader(out, kRequestIdHeader, framing.request_id);
  if (!framing.keep_alive) {
    AppendHeader(out, "Connection", "close");
  } else if (framing.announce_keep_alive) {
    AppendHeader(out, "Connection", "keep-alive");
  }
  for (const auto& [name, value] : response.headers) {
    if (!IsValidName(name) || !IsValidValue(value)) {
      spdlog::warn("http: dropped response header that is not a valid field");
      continue;
    }
    if (IsTransportHeader(name)) continue;
    AppendHeader(out, name, value);
  }
  out += "\r\n";
  if (send_body) out += response.body;
}

}  // namespace jobstream::http
