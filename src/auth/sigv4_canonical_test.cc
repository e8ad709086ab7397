// Canonicalization rules one by one, the signing-key derivation against the AWS documentation's
// worked example, and the AWS time formats.
#include "auth/sigv4_canonical.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/signing_key_cache.h"
#include "auth/sigv4_crypto.h"
#include "auth/sigv4_time.h"

namespace jobstream::auth {
namespace {

TEST(UriEncodeTest, KeepsOnlyUnreservedCharactersAndUsesUppercaseHex) {
  EXPECT_EQ(UriEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b+c/d=e&f%"), "a%20b%2Bc%2Fd%3De%26f%25");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4"), "%E1%88%B4");
  EXPECT_EQ(UriEncode("/a b/", /*keep_slash=*/true), "/a%20b/");
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsMalformedOnesLiterally) {
  EXPECT_EQ(PercentDecode("%41%7e%7E"), "A~~");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");  // SigV4 clients send a space as %20, never '+'
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%"), "%");
}

TEST(CanonicalUriTest, EncodesThePathAsSentOnceMoreAsNonS3ServicesDo) {
  // What API Gateway expects: an encoded path is encoded again ("%20" -> "%2520").
  EXPECT_EQ(CanonicalUri("/jobs/a%20b", true), "/jobs/a%2520b");
  EXPECT_EQ(CanonicalUri("/path/%C3%A4", true), "/path/%25C3%25A4");
  EXPECT_EQ(CanonicalUri("/example space/", true), "/example%20space/");
  EXPECT_EQ(CanonicalUri("/\xe1\x88\xb4", false), "/%E1%88%B4");
  EXPECT_EQ(CanonicalUri("/@connections/R0oX=", true), "/%40connections/R0oX%3D");
  EXPECT_EQ(CanonicalUri("", true), "/");
}

TEST(CanonicalUriTest, NormalizationRemovesDotSegmentsAndDuplicateSlashes) {
  EXPECT_EQ(CanonicalUri("/example/..", true), "/");
  EXPECT_EQ(CanonicalUri("/example1/example2/../..", true), "/");
  EXPECT_EQ(CanonicalUri("/./", true), "/");
  EXPECT_EQ(CanonicalUri("/./example", true), "/example");
  EXPECT_EQ(CanonicalUri("//", true), "/");
  EXPECT_EQ(CanonicalUri("//example//", true), "/example/");
  EXPECT_EQ(CanonicalUri("/a/b/..", true), "/a");
  EXPECT_EQ(CanonicalUri("/a/b/../", true), "/a/");
  EXPECT_EQ(CanonicalUri("/../../a", true), "/a");  // never above the root
  EXPECT_EQ(CanonicalUri("/jobs/abc", true), "/jobs/abc");
}

// botocore's remove_dot_segments, written plainly: what CanonicalUri must match, fast path or not.
std::string ReferenceNormalizedPath(const std::string& path) {
  std::vector<std::string> kept;
  std::string segment;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') {
      segment.push_back(path[i]);
      continue;
    }
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    segment.clear();
  }
  std::string out = !path.empty() && path[0] == '/' ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) out += (i > 0 ? "/" : "") + kept[i];
  if (!kept.empty() && path.back() == '/') out += "/";
  return out;
}

TEST(CanonicalUriTest, EveryShortPathNormalizesAsTheReferenceDoes) {
  // Every path of up to 7 characters from '/', '.' and 'a': each dot-segment and empty-segment
  // case next to the already-normal paths that skip the normalization.
  std::vector<std::string> paths = {""};
  for (std::size_t begin = 0, length = 0; length < 7; ++length) {
    std::size_t end = paths.size();
    for (std::size_t i = begin; i < end; ++i) {
      for (char c : {'/', '.', 'a'}) paths.push_back(paths[i] + c);
    }
    begin = end;
  }
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    EXPECT_EQ(CanonicalUri(path, true), ReferenceNormalizedPath(path)) << path;
  }
}

TEST(CanonicalRequestTest, AppendedInOnePieceEqualsThePartsJoined) {
  std::vector<QueryParameter> query = ParseQuery("b=2&a=%20x");
  std::vector<HeaderField> headers = {{"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"}, {"My", "  a  b "}};
  std::vector<std::string> names = {"host", "my", "x-amz-date"};
  std::string payload_hash = HexSha256("body");
  std::string appended = "prefix";
  AppendCanonicalRequest(appended, {.method = "POST",
                                    .raw_path = "/a/./b%20c",
                                    .normalize_path = true,
                                    .query = query,
                                    .headers = headers,
                                    .signed_names = names,
                                    .payload_hash = payload_hash});
  EXPECT_EQ(appended,
            "prefix" + BuildCanonicalRequest("POST", CanonicalUri("/a/./b%20c", true), CanonicalQueryString(query),
                                             BuildCanonicalHeaders(headers, names), payload_hash));
  std::string string_to_sign = "x";
  AppendStringToSign(string_to_sign, "20150830T123600Z", "20150830", "us-east-1", "execute-api", appended);
  EXPECT_EQ(string_to_sign, "x" + BuildStringToSign("20150830T123600Z",
                                                    CredentialScope("20150830", "us-east-1", "execute-api"), appended));
}

TEST(CanonicalUriTest, WithoutNormalizationThePathIsOnlyEncoded) {
  EXPECT_EQ(CanonicalUri("/example/..", false), "/example/..");
  EXPECT_EQ(CanonicalUri("//example//", false), "//example//");
  EXPECT_EQ(CanonicalUri("/./", false), "/./");
}

TEST(CanonicalQueryTest, SortsByEncodedKeyThenValueAndKeepsEmptyValues) {
  EXPECT_EQ(CanonicalQueryString(ParseQuery("b=2&a=2&a=1")), "a=1&a=2&b=2");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("flag&x=")), "flag=&x=");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("")), "");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("&&a=1&")), "a=1");
  // Upper case sorts before lower case: byte order, not alphabetical.
  EXPECT_EQ(CanonicalQueryString(ParseQuery("param=1&Param=2")), "Param=2&param=1");
}

TEST(CanonicalQueryTest, DecodesThenReencodesKeysAndValues) {
  EXPECT_EQ(CanonicalQueryString(ParseQuery("%41=%7e")), "A=~");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("k=a b+c")), "k=a%20b%2Bc");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("k=%zz")), "k=%25zz");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("cred=AKID%2F20150830%2Fus-east-1")), "cred=AKID%2F20150830%2Fus-east-1");
  EXPECT_EQ(CanonicalQueryString(ParseQuery("k=a=b")), "k=a%3Db");
}

TEST(SplitTargetTest, SplitsAtTheFirstQuestionMark) {
  EXPECT_EQ(SplitTarget("/a?b=1?c"), std::make_pair(std::string_view("/a"), std::string_view("b=1?c")));
  EXPECT_EQ(SplitTarget("/a"), std::make_pair(std::string_view("/a"), std::string_view()));
}

TEST(CanonicalHeaderValueTest, TrimsAndCollapsesWhitespaceIncludingObsFold) {
  EXPECT_EQ(CanonicalHeaderValue("  a   b\t\tc  "), "a b c");
  EXPECT_EQ(CanonicalHeaderValue("value1\r\n  value2\n     value3"), "value1 value2 value3");
  EXPECT_EQ(CanonicalHeaderValue("\"a   b   c\""), "\"a b c\"");
  EXPECT_EQ(CanonicalHeaderValue("   "), "");
}

TEST(CanonicalHeadersTest, JoinsRepeatedHeadersInOrderAndMatchesNamesInAnyCase) {
  std::vector<HeaderField> headers = {
      {"Host", "example.com"}, {"My-Header", "b"}, {"X-Other", "ignored"}, {"my-header", " a "}};
  CanonicalHeaders canonical = BuildCanonicalHeaders(headers, {"host", "my-header", "x-absent"});
  EXPECT_EQ(canonical.block, "host:example.com\nmy-header:b,a\nx-absent:\n");
  EXPECT_EQ(canonical.signed_headers, "host;my-header;x-absent");
}

TEST(CanonicalRequestTest, LaysOutTheSixPartsAndTheStringToSign) {
  CanonicalHeaders headers{"host:h\n", "host"};
  std::string canonical = BuildCanonicalRequest("GET", "/", "a=1", headers, HexSha256(""));
  EXPECT_EQ(canonical,
            "GET\n/\na=1\nhost:h\n\nhost\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string scope = CredentialScope("20150830", "us-east-1", "execute-api");
  EXPECT_EQ(scope, "20150830/us-east-1/execute-api/aws4_request");
  EXPECT_EQ(BuildStringToSign("20150830T123600Z", scope, canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n" + scope + "\n" + HexSha256(canonical));
}

TEST(SigningKeyTest, DerivationMatchesTheAwsDocumentationExample) {
  // "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
  Sha256Digest key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  EXPECT_EQ(HexEncode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(CryptoTest, HashesAndEncodingsMatchKnownVectors) {
  EXPECT_EQ(HexSha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than SHA-256's block is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes(std::string(131, '\xaa')),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An empty key is a key of zeros, not "the previous key" (which a null pointer means to OpenSSL).
  EXPECT_EQ(HexEncode(HmacSha256({}, "")), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  std::string appended = "x";
  AppendHex(appended, AsBytes("\x01\xab"));
  EXPECT_EQ(appended, "x01ab");
  Sha256Hex hex = HexDigest(Sha256("abc"));
  EXPECT_EQ(std::string(hex.begin(), hex.end()), HexSha256("abc"));
  const std::array<std::string_view, 3> parts = {"a", "", "bc"};
  EXPECT_EQ(Sha256(parts), Sha256("abc"));
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
}

TEST(CryptoTest, EachThreadsReusedHmacContextTakesEveryNewKey) {
  // Each thread reuses one HMAC context: a MAC must depend on its own key only, whatever the
  // thread computed before.
  Sha256Digest under_a = HmacSha256(AsBytes("key-a"), "data");
  Sha256Digest under_b = HmacSha256(AsBytes("key-b"), "data");
  EXPECT_NE(under_a, under_b);
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        bool a = (i + t) % 2 == 0;
        if (HmacSha256(AsBytes(a ? "key-a" : "key-b"), "data") != (a ? under_a : under_b)) ++wrong[t];
        if (HexSha256("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(SigV4TimeTest, AmzDateRoundTripsAndRefusesImpossibleDates) {
  auto time = ParseAmzDate("20150830T123600Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(FormatAmzDate(*time), "20150830T123600Z");
  EXPECT_EQ(FormatIso8601(*time), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(*time + std::chrono::milliseconds(999)), "20150830T123600Z");
  EXPECT_FALSE(ParseAmzDate("20150230T000000Z"));  // 30 February
  EXPECT_FALSE(ParseAmzDate("20150830T240000Z"));
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z"));
  EXPECT_FALSE(ParseAmzDate("2015083OT123600Z"));
  EXPECT_TRUE(ParseAmzDate("20160229T000000Z"));  // leap day
}

// Found by fuzz/sigv4_claim_fuzz.cc: a year the nanosecond clock cannot hold (1678 to 2262)
// overflowed it while converting (undefined behaviour; the time wrapped around).
TEST(SigV4TimeTest, TimesBeyondTheClockAreRefusedNotWrapped) {
  EXPECT_FALSE(ParseAmzDate("01250830T123600Z"));
  EXPECT_FALSE(ParseAmzDate("00000101T000000Z"));
  EXPECT_FALSE(ParseAmzDate("99991231T235959Z"));
  EXPECT_FALSE(ParseAmzDate("22620411T234717Z"));
  EXPECT_FALSE(ParseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT"));
  EXPECT_TRUE(ParseAmzDate("16780101T000000Z"));
  EXPECT_TRUE(ParseAmzDate("22620411T234716Z"));
}

TEST(SigV4TimeTest, HttpDateIsReadInRfc1123FormOnly) {
  auto time = ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(FormatAmzDate(*time), "20150830T123600Z");
  EXPECT_FALSE(ParseHttpDate("Mon, 30 Aug 2015 12:36:00 GMT"));  // 30 Aug 2015 was a Sunday
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 UTC"));
  EXPECT_FALSE(ParseHttpDate("Sunday, 30-Aug-15 12:36:00 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT"));
}

}  // namespace
}  // namespace jobstream::auth
