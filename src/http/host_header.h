// The one Host field every HTTP/1.1 request must carry (RFC 9112 §3.2).
#pragma once

#include <optional>
#include <string_view>

#include "http/request_handler.h"

namespace jobstream::http {

// Why the request's Host is unacceptable, as the message of a 400, or nullopt when it is fine:
// HTTP/1.1 needs exactly one Host field, HTTP/1.0 at most one, and its value must be a URI
// host[:port] (RFC 3986 §3.2.2: letters, digits, "-._~%!$&'()*+,;=", an IP literal's "[:]").
// The signature covers Host, so two of them would let the signer and the router disagree on
// which one counts.
std::optional<std::string_view> HostError(const Request& request);

}  // namespace jobstream::http
