#include "http/host_header.h"

#include <cstddef>

namespace jobstream::http {
namespace {

bool IsHostCharacter(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kOthers = "-._~%!$&'()*+,;=:[]";
  return kOthers.find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> HostError(const Request& request) {
  std::size_t hosts = 0;
  std::string_view host;
  for (const auto& field : request) {
    if (field.name() != boost::beast::http::field::host) continue;
    ++hosts;
    host = field.value();
  }
  if (hosts == 0) {
    if (request.version() < 11) return std::nullopt;
    return "Missing Host header";
  }
  if (hosts > 1) return "More than one Host header";
  for (const char c : host) {
    if (!IsHostCharacter(c)) return "Invalid Host header";
  }
  return std::nullopt;
}

}  // namespace jobstream::http
