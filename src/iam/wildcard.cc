#include "iam/wildcard.h"

#include <cstddef>

namespace jobstream::iam {
namespace {

char Fold(char c, CaseSensitivity sensitivity) {
  if (sensitivity == CaseSensitivity::kInsensitive && c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text, CaseSensitivity sensitivity) {
  std::size_t p = 0;
  std::size_t t = 0;
  // Where the last `*` was, and the text position it is currently taken to end at: on a mismatch
  // the star swallows one more character. Earlier stars never need revisiting (a later star can
  // absorb whatever an earlier one would have).
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '?' || Fold(pattern[p], sensitivity) == Fold(text[t], sensitivity))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace jobstream::iam
