// The verifier's presigned (query) form: expiry by X-Amz-Expires, the clock, missing or bad
// parameters, session tokens, and tampering.
#include <gtest/gtest.h>

#include "auth/sigv4_test_request.h"
#include "auth/sigv4_verifier.h"
#include "auth/testing_credentials.h"

namespace jobstream::auth {
namespace {

using namespace std::chrono_literals;
using testing::ExpectFailure;
using testing::kKeyId;
using testing::kSecret;
using testing::OwnedRequest;
using testing::PresignedAt;
using testing::SuiteTime;

class SigV4PresignedTest : public ::testing::Test {
 protected:
  SigV4PresignedTest() { store_.Add({"alice", kKeyId, kSecret, true, "2015-08-01T00:00:00Z"}); }

  Result<Principal, AuthFailure> Verify(const OwnedRequest& request, TimePoint now,
                                        const SessionTokenValidator* tokens = nullptr) const {
    return SigV4Verifier(VerifierOptions{}, store_, tokens).Verify(request.View(), now);
  }

  static OwnedRequest Get() {
    OwnedRequest request;
    request.method = "GET";
    request.target = "/jobs/j-1?verbose=true";
    request.headers = {{"Host", "jobs.example.com"}};
    request.body.clear();
    return request;
  }

  testing::MemoryCredentialStore store_;
};

TEST_F(SigV4PresignedTest, PresignedRequestIsAcceptedForItsWholeLifetime) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 3600s);
  EXPECT_EQ(request.target.rfind("/jobs/j-1?verbose=true&X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0), 0u);
  for (auto now : {SuiteTime(), SuiteTime() + 30min, SuiteTime() + 3600s}) {
    auto verified = Verify(request, now);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->user_name, "alice");
  }
}

TEST_F(SigV4PresignedTest, PresignedRequestPastXAmzExpiresHasExpired) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 3600s);
  ExpectFailure(Verify(request, SuiteTime() + 3601s), "InvalidSignatureException",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
                "(20150830T133601Z - 60 min.)");
  ExpectFailure(Verify(request, SuiteTime() + 2h), "InvalidSignatureException",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T133600Z "
                "(20150830T143600Z - 60 min.)");
}

TEST_F(SigV4PresignedTest, ShortLifetimeIsStatedInSeconds) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 90s);
  EXPECT_TRUE(Verify(request, SuiteTime() + 90s).ok());
  ExpectFailure(Verify(request, SuiteTime() + 100s), "InvalidSignatureException",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123610Z "
                "(20150830T123740Z - 90 sec.)");
}

TEST_F(SigV4PresignedTest, PresignedRequestFromTheFutureIsNotYetCurrent) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime() + 10min, 3600s);
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z "
                "(20150830T123600Z + 5 min.)");
}

TEST_F(SigV4PresignedTest, WithoutXAmzExpiresTheClockSkewBoundsTheLifetime) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 3600s);
  request.EditTarget("&X-Amz-Expires=3600", "");
  // Removing a signed parameter breaks the signature, but the clock is checked first.
  ExpectFailure(Verify(request, SuiteTime() + 6min), "InvalidSignatureException",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
                "(20150830T124200Z - 5 min.)");
}

TEST_F(SigV4PresignedTest, MissingParametersAreListedInApiGatewayOrder) {
  OwnedRequest request = Get();
  request.target = "/jobs?X-Amz-Algorithm=AWS4-HMAC-SHA256";
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
                "parameters must include 'X-Amz-Signature'. AWS query-string parameters must "
                "include 'X-Amz-SignedHeaders'. AWS query-string parameters must include "
                "'X-Amz-Date'. Re-examine the query-string parameters.");

  request = PresignedAt(Get(), SuiteTime(), 60s);
  request.EditTarget("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the "
                "query-string parameters.");
}

TEST_F(SigV4PresignedTest, BadXAmzExpiresOrDateIsIncompleteSignature) {
  struct Case {
    const char* replacement;
    const char* message;
  } cases[] = {
      {"X-Amz-Expires=soon", "X-Amz-Expires should be a number"},
      {"X-Amz-Expires=-5", "X-Amz-Expires must be non-negative"},
      {"X-Amz-Expires=604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
      {"X-Amz-Expires=99999999999999999999", "X-Amz-Expires should be a number"},
  };
  for (const Case& c : cases) {
    OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s);
    request.EditTarget("X-Amz-Expires=60", c.replacement);
    ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException", c.message);
  }
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s);
  request.EditTarget("X-Amz-Date=20150830T123600Z", "X-Amz-Date=yesterday");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See "
                "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(SigV4PresignedTest, AnyChangeToTheQueryOrSignedHeadersIsInvalidSignature) {
  OwnedRequest extra = PresignedAt(Get(), SuiteTime(), 60s);
  extra.target += "&injected=1";
  OwnedRequest changed = PresignedAt(Get(), SuiteTime(), 60s);
  changed.EditTarget("verbose=true", "verbose=false");
  OwnedRequest host = PresignedAt(Get(), SuiteTime(), 60s);
  host.Header("Host") = "evil.example.com";
  OwnedRequest signature = PresignedAt(Get(), SuiteTime(), 60s);
  signature.target.back() = signature.target.back() == 'a' ? 'b' : 'a';
  for (const OwnedRequest* request : {&extra, &changed, &host, &signature}) {
    auto verified = Verify(*request, SuiteTime());
    ASSERT_FALSE(verified.ok()) << request->target;
    EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
  }
}

TEST_F(SigV4PresignedTest, CredentialScopeIsCheckedAsInTheHeaderForm) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s);
  request.EditTarget("%2Fus-east-1%2F", "%2Fus-west-2%2F");
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped to a valid region, not 'us-west-2'. ");
}

TEST_F(SigV4PresignedTest, SessionTokenNeedsTheValidator) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s, {"ASIATEMPORARY", "temporary", "tok/en+="});
  EXPECT_NE(request.target.find("X-Amz-Security-Token=tok%2Fen%2B%3D"), std::string::npos);
  ExpectFailure(Verify(request, SuiteTime()), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
  testing::FixedSessionTokens tokens;
  tokens.Add("tok/en+=", {"alice", "ASIATEMPORARY", "temporary", true, ""});
  EXPECT_TRUE(Verify(request, SuiteTime(), &tokens).ok());
}

TEST_F(SigV4PresignedTest, TokenAppendedAfterSigningIsNotCoveredAndRefused) {
  SignerOptions unsigned_token;
  unsigned_token.sign_session_token = false;
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s, {"ASIATEMPORARY", "temporary", "tok"}, unsigned_token);
  testing::FixedSessionTokens tokens;
  tokens.Add("tok", {"alice", "ASIATEMPORARY", "temporary", true, ""});
  auto verified = Verify(request, SuiteTime(), &tokens);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");
}

TEST_F(SigV4PresignedTest, HeaderFormWinsWhenBothFormsArePresent) {
  OwnedRequest request = PresignedAt(Get(), SuiteTime(), 60s);
  request.headers.emplace_back("Authorization", "Bearer abc");
  auto verified = Verify(request, SuiteTime());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "IncompleteSignatureException");
}

}  // namespace
}  // namespace jobstream::auth
