#include "http/valid_utf8.h"

#include <gtest/gtest.h>

namespace jobstream::http {
namespace {

std::string Valid(std::string_view text) {
  std::string out;
  AppendValidUtf8(out, text);
  return out;
}

TEST(ValidUtf8Test, WellFormedTextIsKeptByteForByte) {
  for (const std::string_view text : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                                      "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF", "\xEF\xBF\xBD"}) {
    EXPECT_EQ(Valid(text), text);
  }
}

TEST(ValidUtf8Test, EveryIllFormedSequenceBecomesReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(Valid("a\xFF"
                  "b"),
            "a" + r + "b");                             // never a lead byte
  EXPECT_EQ(Valid("\x80\xBF"), r + r);                  // stray continuation bytes
  EXPECT_EQ(Valid("\xC0\xAF"), r + r);                  // overlong '/'
  EXPECT_EQ(Valid("\xE0\x80\xAF"), r + r + r);          // overlong, 3 bytes
  EXPECT_EQ(Valid("\xED\xA0\x80"), r + r + r);          // surrogate U+D800
  EXPECT_EQ(Valid("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(Valid("\xE2\x82"), r);                      // truncated at the end
  EXPECT_EQ(Valid("\xE2\x82x"), r + "x");               // truncated in the middle
  EXPECT_EQ(Valid("\xF0\x9F\x98"
                  "\xC3\xA9"),
            r + "\xC3\xA9");  // truncated, then valid
}

}  // namespace
}  // namespace jobstream::http
