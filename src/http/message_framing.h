// Where a request ends: the RFC 9112 framing rules Beast's parser leaves to its user. Two parties
// that read one byte stream as different messages are request smuggling (RFC 9112 §6.3, §11.2),
// so anything that could be read two ways is refused, with 400 and a close.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "http/request_handler.h"

namespace jobstream::http {

// Why a request header cannot be framed, as the message of the 400 that closes the connection,
// or nullopt when its framing is unambiguous: at most one Content-Length field holding one
// decimal number, and Transfer-Encoding absent or exactly one field "chunked" (in HTTP/1.1 only).
// Beast itself refuses Content-Length with Transfer-Encoding and differing Content-Lengths, but
// it reads any coding list not ending in "chunked" ("gzip", "chunked, identity") as no body,
// which hands the body to the next request.
std::optional<std::string_view> FramingError(const Request& header);

// True when the header bytes at the start of `buffered` fold a field value over lines (obs-fold,
// RFC 9112 §5.2) or start a line with whitespace. Beast joins folded lines into one value; a peer
// that reads them as separate fields would see another request, so we refuse. Scanning stops at
// the blank line that ends the header block: the body may hold anything. *scanned is where the
// scan starts (bytes already found clean) and is left where the next one must start, so a header
// trickled in byte by byte is scanned once, not once per byte.
bool HasFoldedLine(std::string_view buffered, std::size_t* scanned);

}  // namespace jobstream::http
