// The HTTP `Date` header value, formatted at most once per second per thread.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace jobstream::http {

// The IMF-fixdate (RFC 9110 §5.6.7) for `seconds_since_epoch`:
// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(std::time_t seconds_since_epoch);

// The current time as an IMF-fixdate. Thread-safe and lock-free: each thread caches the string
// and rebuilds it when the second changes, because formatting a date per response showed up in
// profiles of similar servers. The view stays valid until the calling thread calls this again.
std::string_view CurrentHttpDate();

}  // namespace jobstream::http
