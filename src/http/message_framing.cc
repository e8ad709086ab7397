#include "http/message_framing.h"

#include <boost/beast/core/string.hpp>

namespace jobstream::http {
namespace {

namespace bhttp = boost::beast::http;

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> FramingError(const Request& header) {
  // Counted by hand: Beast's fields::count would do, but a request carries a handful of fields.
  std::size_t content_lengths = 0;
  std::size_t transfer_encodings = 0;
  std::string_view content_length;
  std::string_view transfer_encoding;
  for (const auto& field : header) {
    if (field.name() == bhttp::field::content_length) {
      ++content_lengths;
      content_length = field.value();
    } else if (field.name() == bhttp::field::transfer_encoding) {
      ++transfer_encodings;
      transfer_encoding = field.value();
    }
  }
  if (transfer_encodings > 0) {
    // §6.1: an HTTP/1.0 recipient cannot rely on chunked framing.
    if (header.version() < 11) return "Transfer-Encoding is not allowed in HTTP/1.0";
    // §6.3: chunked must be the final coding; we decode no other, so it must be the only one.
    if (transfer_encodings > 1 || !boost::beast::iequals(transfer_encoding, "chunked")) {
      return "Transfer-Encoding must be exactly chunked";
    }
  }
  // §6.3: a list ("5, 5") or a repeated field could be read as another length by another party.
  if (content_lengths > 1 || content_length.find(',') != std::string_view::npos) {
    return "Content-Length must appear once";
  }
  if (content_lengths == 1 && !AllDigits(content_length)) return "Content-Length must be a decimal number";
  return std::nullopt;
}

bool HasFoldedLine(std::string_view buffered, std::size_t* scanned) {
  for (std::size_t lf = buffered.find('\n', *scanned); lf != std::string_view::npos; lf = buffered.find('\n', lf + 1)) {
    if (lf + 1 == buffered.size()) {
      *scanned = lf;  // what follows this line end has not arrived yet
      return false;
    }
    const char next = buffered[lf + 1];
    if (next == ' ' || next == '\t') return true;
    if (next == '\r') {  // the blank line: the header block ends here
      *scanned = buffered.size();
      return false;
    }
  }
  *scanned = buffered.size();
  return false;
}

}  // namespace jobstream::http
