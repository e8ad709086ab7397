#include "http/valid_utf8.h"

#include <cstddef>

namespace jobstream::http {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

struct ByteRange {
  unsigned char low;
  unsigned char high;
};

// How the sequence starting at text[start] (a byte >= 0x80) reads: its length when well-formed,
// else how many bytes one U+FFFD replaces (the lead byte and the continuation bytes that still
// fit it). Unicode Table 3-7 gives the ranges: the second byte's range depends on the lead byte.
struct Sequence {
  std::size_t valid_length = 0;  // 0: ill-formed
  std::size_t skip = 1;
};

Sequence ReadSequence(std::string_view text, std::size_t start) {
  const auto lead = static_cast<unsigned char>(text[start]);
  std::size_t continuation_bytes = 0;
  ByteRange second{0x80, 0xBF};
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_bytes = 1;
  } else if (lead == 0xE0) {
    continuation_bytes = 2;
    second = {0xA0, 0xBF};  // no overlong forms
  } else if (lead == 0xED) {
    continuation_bytes = 2;
    second = {0x80, 0x9F};  // no surrogates
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    continuation_bytes = 2;
  } else if (lead == 0xF0) {
    continuation_bytes = 3;
    second = {0x90, 0xBF};  // no overlong forms
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuation_bytes = 3;
  } else if (lead == 0xF4) {
    continuation_bytes = 3;
    second = {0x80, 0x8F};  // nothing above U+10FFFF
  } else {
    return {};  // a continuation byte, C0, C1 or F5..FF: never valid as a lead byte
  }
  for (std::size_t i = 1; i <= continuation_bytes; ++i) {
    if (start + i >= text.size()) return {.valid_length = 0, .skip = i};
    const auto byte = static_cast<unsigned char>(text[start + i]);
    const ByteRange range = i == 1 ? second : ByteRange{0x80, 0xBF};
    if (byte < range.low || byte > range.high) return {.valid_length = 0, .skip = i};
  }
  return {.valid_length = continuation_bytes + 1, .skip = 0};
}

}  // namespace

void AppendValidUtf8(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  // Runs of well-formed bytes are copied whole.
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Sequence sequence = ReadSequence(text, i);
    if (sequence.valid_length > 0) {
      i += sequence.valid_length;
      continue;
    }
    out.append(text.substr(run, i - run));
    out.append(kReplacementCharacter);
    i += sequence.skip;
    run = i;
  }
  out.append(text.substr(run));
}

}  // namespace jobstream::http
