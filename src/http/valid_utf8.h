// Well-formed UTF-8 out of arbitrary client bytes, for the JSON bodies that echo them.
#pragma once

#include <string>
#include <string_view>

namespace jobstream::http {

// Appends text to out with every ill-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF, no stray continuation bytes) replaced by U+FFFD, one per
// maximal subpart as Unicode §3.9 recommends. Well-formed text is appended unchanged.
void AppendValidUtf8(std::string& out, std::string_view text);

}  // namespace jobstream::http
