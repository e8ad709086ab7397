// The verifier's header form: what it accepts, and each refusal with API Gateway's error type and
// message, in API Gateway's order of checks.
#include "auth/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "auth/signing_key_cache.h"
#include "auth/sigv4_crypto.h"
#include "auth/sigv4_test_request.h"
#include "auth/testing_credentials.h"

namespace jobstream::auth {
namespace {

using namespace std::chrono_literals;
using testing::ExpectFailure;
using testing::kKeyId;
using testing::kSecret;
using testing::OwnedRequest;
using testing::SignedAt;
using testing::SuiteTime;

class SigV4VerifierTest : public ::testing::Test {
 protected:
  SigV4VerifierTest() {
    store_.Add({"alice", kKeyId, kSecret, true, "2015-08-01T00:00:00Z"});
    store_.Add({"bob", "AKIDINACTIVE", "another-secret", false, "2015-08-01T00:00:00Z"});
  }

  Result<Principal, AuthFailure> Verify(const OwnedRequest& request, TimePoint now,
                                        const SessionTokenValidator* tokens = nullptr) const {
    SigV4Verifier verifier(VerifierOptions{}, store_, tokens);
    return verifier.Verify(request.View(), now);
  }

  Result<Principal, AuthFailure> VerifyAuthorization(std::string authorization) const {
    OwnedRequest request;
    request.headers.emplace_back("Authorization", std::move(authorization));
    return Verify(request, SuiteTime());
  }

  testing::MemoryCredentialStore store_;
};

constexpr char kMismatchPrefix[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

TEST_F(SigV4VerifierTest, AcceptsSignedRequestAndNamesThePrincipal) {
  auto verified = Verify(SignedAt({}, SuiteTime()), SuiteTime());
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->access_key_id, kKeyId);
  EXPECT_EQ(verified->user_name, "alice");
}

TEST_F(SigV4VerifierTest, RequestWithoutSigV4MaterialIsMissingAuthenticationToken) {
  ExpectFailure(Verify(OwnedRequest{}, SuiteTime()), "MissingAuthenticationTokenException",
                "Missing Authentication Token");
}

TEST_F(SigV4VerifierTest, CarriesAuthenticationSeesTheHeaderOrPresignedParameters) {
  OwnedRequest plain;
  EXPECT_FALSE(SigV4Verifier::CarriesAuthentication(plain.View()));
  OwnedRequest with_header = plain;
  with_header.headers.emplace_back("authorization", "anything");
  EXPECT_TRUE(SigV4Verifier::CarriesAuthentication(with_header.View()));
  for (const char* key : {"X-Amz-Algorithm", "X-Amz-Signature", "X-Amz-Credential"}) {
    OwnedRequest with_query = plain;
    with_query.target = std::string("/jobs?a=1&") + key + "=x";
    EXPECT_TRUE(SigV4Verifier::CarriesAuthentication(with_query.View())) << key;
  }
  OwnedRequest other_query = plain;
  other_query.target = "/jobs?X-Amz-Date=20150830T123600Z";
  EXPECT_FALSE(SigV4Verifier::CarriesAuthentication(other_query.View()));
}

TEST_F(SigV4VerifierTest, AuthorizationWithoutParametersListsEveryMissingOne) {
  ExpectFailure(VerifyAuthorization("eyJhbGciOiJIUzI1NiJ9"), "IncompleteSignatureException",
                "Authorization header requires 'Credential' parameter. Authorization header "
                "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
                "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
                "a 'Date' header. Authorization=eyJhbGciOiJIUzI1NiJ9");
}

TEST_F(SigV4VerifierTest, IncompleteAuthorizationListsOnlyWhatIsMissing) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  std::string& authorization = request.Header("Authorization");
  authorization = authorization.substr(0, authorization.find(", Signature="));
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Authorization header requires 'Signature' parameter. Authorization=" + authorization);

  request = SignedAt({}, SuiteTime());
  request.Remove("X-Amz-Date");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header. Authorization=" +
                    request.Header("Authorization"));
}

TEST_F(SigV4VerifierTest, TokenWithoutEqualSignIsReportedByHashNotByValue) {
  // A bearer token is a secret of its own: API Gateway quotes only its hash.
  ExpectFailure(VerifyAuthorization("Bearer abc"), "IncompleteSignatureException",
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
                "SHA-256 and encoded with Base64): "
                "'w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY='.");
}

TEST_F(SigV4VerifierTest, AlgorithmNameWithEqualSignIsRefused) {
  ExpectFailure(VerifyAuthorization("Credential=a, SignedHeaders=host, Signature=b"), "IncompleteSignatureException",
                "Authorization header must begin with the algorithm name, which cannot include an "
                "equal-sign");
}

TEST_F(SigV4VerifierTest, UnsupportedAlgorithmIsIncompleteSignature) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for "
                "now). ");
}

TEST_F(SigV4VerifierTest, RepeatedParametersOrAuthorizationHeadersAreRefused) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization(", Signature=", ", SignedHeaders=host, Signature=");
  auto verified = Verify(request, SuiteTime());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "IncompleteSignatureException");

  request = SignedAt({}, SuiteTime());
  request.headers.emplace_back("Authorization", request.Header("Authorization"));
  verified = Verify(request, SuiteTime());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "IncompleteSignatureException");
}

TEST_F(SigV4VerifierTest, RepeatedParameterIsFoundAmongManyOthers) {
  // Past a handful of keys the duplicate check moves to a set; it must still name the key.
  std::string authorization = "AWS4-HMAC-SHA256";
  for (int i = 0; i < 40; ++i) authorization += " k" + std::to_string(i) + "=v";
  authorization += " k3=again";
  ExpectFailure(VerifyAuthorization(authorization), "IncompleteSignatureException",
                "Authorization header has duplicate 'k3' parameter. Authorization=" + authorization);
}

TEST_F(SigV4VerifierTest, SignedHeadersListedInAnyOrderOrTwiceStillVerify) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("SignedHeaders=content-type;host;x-amz-date",
                            "SignedHeaders=x-amz-date;Host;content-type;host");
  auto verified = Verify(request, SuiteTime());
  EXPECT_TRUE(verified.ok()) << verified.error().message;
}

TEST_F(SigV4VerifierTest, MalformedDateIsIncompleteSignature) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.Header("X-Amz-Date") = "2015-08-30T12:36:00Z";
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
                "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(SigV4VerifierTest, DateHeaderInRfc1123FormSignsInsteadOfXAmzDate) {
  // Built by hand: the signer always sends X-Amz-Date.
  OwnedRequest request;
  request.headers.emplace_back("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
  std::vector<HeaderField> fields(request.View().headers);
  CanonicalHeaders headers = BuildCanonicalHeaders(fields, {"content-type", "date", "host"});
  std::string canonical = BuildCanonicalRequest("POST", "/jobs", "wait=1", headers, HexSha256(request.body));
  std::string scope = CredentialScope("20150830", "us-east-1", "execute-api");
  std::string signature = SignatureFor(DeriveSigningKey(kSecret, "20150830", "us-east-1", "execute-api"),
                                       BuildStringToSign("20150830T123600Z", scope, canonical));
  request.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope +
                                                    ", SignedHeaders=content-type;date;host, Signature=" + signature);
  auto verified = Verify(request, SuiteTime() + 1min);
  EXPECT_TRUE(verified.ok()) << verified.error().message;

  request.Header("Date") = "Sun, 30 Aug 2015 12:37:00 GMT";
  verified = Verify(request, SuiteTime() + 1min);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "InvalidSignatureException");

  request.Header("Date") = "30 Aug 2015 12:36:00";
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Date must be in ISO-8601 'basic format'. Got '30 Aug 2015 12:36:00'. See "
                "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(SigV4VerifierTest, SignatureOlderThanTheAllowedSkewHasExpired) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  ExpectFailure(Verify(request, SuiteTime() + 10min), "InvalidSignatureException",
                "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z "
                "(20150830T124600Z - 5 min.)");
}

TEST_F(SigV4VerifierTest, SignatureFromTheFutureIsNotYetCurrent) {
  OwnedRequest request = SignedAt({}, SuiteTime() + 10min);
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Signature not yet current: 20150830T124600Z is still later than 20150830T124100Z "
                "(20150830T123600Z + 5 min.)");
}

TEST_F(SigV4VerifierTest, SkewOfExactlyTheLimitIsAcceptedBothWays) {
  EXPECT_TRUE(Verify(SignedAt({}, SuiteTime()), SuiteTime() + 300s).ok());
  EXPECT_TRUE(Verify(SignedAt({}, SuiteTime() + 300s), SuiteTime()).ok());
  EXPECT_FALSE(Verify(SignedAt({}, SuiteTime()), SuiteTime() + 301s).ok());
  EXPECT_FALSE(Verify(SignedAt({}, SuiteTime() + 301s), SuiteTime()).ok());
}

TEST_F(SigV4VerifierTest, ClockIsCheckedBeforeTheKeyIsLookedUp) {
  OwnedRequest request = SignedAt({}, SuiteTime(), {"AKIDUNKNOWN", "whatever", ""});
  auto verified = Verify(request, SuiteTime() + 1h);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().message.rfind("Signature expired: ", 0), 0u);
}

TEST_F(SigV4VerifierTest, HostMustBeSigned) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("SignedHeaders=content-type;host;", "SignedHeaders=content-type;");
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(SigV4VerifierTest, SignedHeadersAreBoundedAndMustBeHeaderNames) {
  std::string many = "host";
  for (int i = 0; i < 64; ++i) many += ";x-h" + std::to_string(i);
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("SignedHeaders=content-type;host;x-amz-date", "SignedHeaders=" + many);
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "SignedHeaders lists more than 64 headers.");

  request = SignedAt({}, SuiteTime());
  request.EditAuthorization("SignedHeaders=content-type;", "SignedHeaders=content:type;");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "SignedHeaders contains an invalid header name: 'content:type'.");

  request = SignedAt({}, SuiteTime());
  request.Header("Authorization") += ", Pad=" + std::string(9000, 'x');
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException", "Authorization header is too long.");
}

TEST_F(SigV4VerifierTest, CredentialMustHaveFiveElements) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("/aws4_request", "");
  ExpectFailure(Verify(request, SuiteTime()), "IncompleteSignatureException",
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                "keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/execute-api'");
}

TEST_F(SigV4VerifierTest, CredentialScopedToAnotherRegionIsRefused) {
  SignerOptions options;
  options.region = "eu-west-1";
  OwnedRequest request = SignedAt({}, SuiteTime(), testing::DefaultCredentials(), options);
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped to a valid region, not 'eu-west-1'. ");
}

TEST_F(SigV4VerifierTest, CredentialScopedToAnotherServiceIsRefused) {
  SignerOptions options;
  options.service = "lambda";
  OwnedRequest request = SignedAt({}, SuiteTime(), testing::DefaultCredentials(), options);
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped to correct service: 'execute-api'. ");
}

TEST_F(SigV4VerifierTest, CredentialWithAnotherTerminatorIsRefused) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("/aws4_request", "/aws5_request");
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped with a valid terminator: 'aws4_request', not "
                "'aws5_request'. ");
}

TEST_F(SigV4VerifierTest, CredentialDateMustBeTheRequestDate) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("/20150830/", "/20150831/");
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '20150831' != '20150830', from '20150830T123600Z'.");
}

TEST_F(SigV4VerifierTest, EveryScopeMismatchIsListedAtOnce) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.EditAuthorization("/20150830/us-east-1/execute-api/aws4_request", "/20150831/mars-1/s3/aws9_request");
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped to a valid region, not 'mars-1'. Credential should "
                "be scoped to correct service: 'execute-api'. Credential should be scoped with a "
                "valid terminator: 'aws4_request', not 'aws9_request'. Date in Credential scope "
                "does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != "
                "'20150830', from '20150830T123600Z'.");
}

TEST_F(SigV4VerifierTest, UnknownOrInactiveKeyIsUnrecognizedClient) {
  OwnedRequest unknown = SignedAt({}, SuiteTime(), {"AKIDUNKNOWN", kSecret, ""});
  ExpectFailure(Verify(unknown, SuiteTime()), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
  OwnedRequest inactive = SignedAt({}, SuiteTime(), {"AKIDINACTIVE", "another-secret", ""});
  ExpectFailure(Verify(inactive, SuiteTime()), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, WrongSecretShowsTheCanonicalRequestAndStringToSignButNoSecret) {
  OwnedRequest request;
  auto signature = SignRequest(request.ToSign(), {kKeyId, "not-the-secret", ""}, {}, SuiteTime());
  ASSERT_TRUE(signature.ok());
  for (auto& header : signature->headers_to_add) request.headers.push_back(header);
  // The canonical request does not depend on the secret, so the signer's equals the server's.
  ExpectFailure(Verify(request, SuiteTime()), "InvalidSignatureException",
                std::string(kMismatchPrefix) + "\n\nThe Canonical String for this request should have been\n'" +
                    signature->trace.canonical_request + "'\n\nThe String-to-Sign should have been\n'" +
                    signature->trace.string_to_sign + "'\n");
  auto verified = Verify(request, SuiteTime());
  EXPECT_EQ(verified.error().message.find(kSecret), std::string::npos);
  EXPECT_EQ(verified.error().message.find("not-the-secret"), std::string::npos);
}

TEST_F(SigV4VerifierTest, AnyChangeToASignedPartIsInvalidSignature) {
  auto expect_invalid = [&](const OwnedRequest& request, const char* what) {
    auto verified = Verify(request, SuiteTime());
    ASSERT_FALSE(verified.ok()) << what;
    EXPECT_EQ(verified.error().error_type, "InvalidSignatureException") << what;
    EXPECT_EQ(verified.error().message.rfind(kMismatchPrefix, 0), 0u) << what;
  };
  OwnedRequest body = SignedAt({}, SuiteTime());
  body.body += " ";
  expect_invalid(body, "body");
  OwnedRequest method = SignedAt({}, SuiteTime());
  method.method = "PUT";
  expect_invalid(method, "method");
  OwnedRequest path = SignedAt({}, SuiteTime());
  path.EditTarget("/jobs", "/jobz");
  expect_invalid(path, "path");
  OwnedRequest query = SignedAt({}, SuiteTime());
  query.target += "&extra=1";
  expect_invalid(query, "query");
  OwnedRequest header = SignedAt({}, SuiteTime());
  header.Header("Content-Type") = "text/plain";
  expect_invalid(header, "signed header");
  OwnedRequest repeated = SignedAt({}, SuiteTime());
  repeated.headers.emplace_back("content-type", "text/plain");
  expect_invalid(repeated, "repeated signed header");
  OwnedRequest short_signature = SignedAt({}, SuiteTime());
  short_signature.Header("Authorization").pop_back();
  expect_invalid(short_signature, "truncated signature");
}

TEST_F(SigV4VerifierTest, UnsignedHeadersAndHeaderNameCaseDoNotMatter) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.headers.emplace_back("User-Agent", "curl/8.0");
  for (auto& [name, value] : request.headers) name = ToLowerAscii(name);
  EXPECT_TRUE(Verify(request, SuiteTime()).ok());
}

TEST_F(SigV4VerifierTest, PercentEncodedPathIsCanonicalizedAsAwsSdksSignIt) {
  OwnedRequest request;
  request.target = "/jobs/a%20b/./c?name=x%2By";
  auto signature = SignRequest(request.ToSign(), testing::DefaultCredentials(), {}, SuiteTime());
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->trace.canonical_request.substr(0, 25), "POST\n/jobs/a%2520b/c\nname");
  for (auto& header : signature->headers_to_add) request.headers.push_back(header);
  EXPECT_TRUE(Verify(request, SuiteTime()).ok());
}

TEST_F(SigV4VerifierTest, PathNormalizationCanBeTurnedOff) {
  OwnedRequest request;
  request.target = "/jobs/./x";
  SignerOptions raw;
  raw.normalize_path = false;
  OwnedRequest signed_raw = SignedAt(request, SuiteTime(), testing::DefaultCredentials(), raw);
  VerifierOptions options;
  options.normalize_path = false;
  EXPECT_TRUE(SigV4Verifier(options, store_).Verify(signed_raw.View(), SuiteTime()).ok());
  EXPECT_FALSE(Verify(signed_raw, SuiteTime()).ok());  // normalized: "/jobs/x" was not signed
}

TEST_F(SigV4VerifierTest, SessionTokenIsRefusedForLongTermKeys) {
  OwnedRequest request = SignedAt({}, SuiteTime(), {kKeyId, kSecret, "token-123"});
  ExpectFailure(Verify(request, SuiteTime()), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
}

constexpr const char* kTemporaryKeyId = "ASIATEMPORARYKEY0001";
constexpr const char* kTemporarySecret = "temporary-secret";

TEST_F(SigV4VerifierTest, SessionTokenIsAcceptedWhenTheValidatorOpensIt) {
  testing::FixedSessionTokens tokens;
  tokens.Add("token-123", {"alice", kTemporaryKeyId, kTemporarySecret, true, ""});
  OwnedRequest request = SignedAt({}, SuiteTime(), {kTemporaryKeyId, kTemporarySecret, "token-123"});
  auto verified = Verify(request, SuiteTime(), &tokens);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->access_key_id, kTemporaryKeyId);
  EXPECT_EQ(verified->user_name, "alice");
  ASSERT_TRUE(verified->session.has_value());
  EXPECT_EQ(verified->session->role_name, "Role");
  EXPECT_EQ(verified->service, "execute-api");
  OwnedRequest other = SignedAt({}, SuiteTime(), {kTemporaryKeyId, kTemporarySecret, "token-456"});
  ExpectFailure(Verify(other, SuiteTime(), &tokens), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, TemporaryKeyWithoutItsTokenOrWithAnotherKeysTokenIsUnrecognized) {
  testing::FixedSessionTokens tokens;
  tokens.Add("token-123", {"alice", kTemporaryKeyId, kTemporarySecret, true, ""});
  OwnedRequest bare = SignedAt({}, SuiteTime(), {kTemporaryKeyId, kTemporarySecret, ""});
  ExpectFailure(Verify(bare, SuiteTime(), &tokens), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
  // The long-term key signs, with a token sealed for the temporary key: its secret is not lent.
  OwnedRequest borrowed = SignedAt({}, SuiteTime(), {kKeyId, kSecret, "token-123"});
  ExpectFailure(Verify(borrowed, SuiteTime(), &tokens), "UnrecognizedClientException",
                "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, ExpiredSessionTokenIsRefusedAsExpired) {
  testing::FixedSessionTokens tokens;
  tokens.Add("token-123", {"alice", kTemporaryKeyId, kTemporarySecret, true, ""}, SuiteTime() + 1s);
  OwnedRequest request = SignedAt({}, SuiteTime(), {kTemporaryKeyId, kTemporarySecret, "token-123"});
  EXPECT_TRUE(Verify(request, SuiteTime(), &tokens).ok());
  ExpectFailure(Verify(request, SuiteTime() + 1s, &tokens), "ExpiredTokenException",
                "The security token included in the request is expired");
}

TEST_F(SigV4VerifierTest, SessionTokenHeaderMustBeSigned) {
  testing::FixedSessionTokens tokens;
  tokens.Add("token-123", {"alice", kTemporaryKeyId, kTemporarySecret, true, ""});
  SignerOptions unsigned_token;
  unsigned_token.sign_session_token = false;
  OwnedRequest request = SignedAt({}, SuiteTime(), {kTemporaryKeyId, kTemporarySecret, "token-123"}, unsigned_token);
  ExpectFailure(Verify(request, SuiteTime(), &tokens), "InvalidSignatureException",
                "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(SigV4VerifierTest, OtherServicesOnThePortAreNamedInThePrincipal) {
  OwnedRequest request;
  SignerOptions sts;
  sts.service = "sts";
  OwnedRequest signed_sts = SignedAt(request, SuiteTime(), testing::DefaultCredentials(), sts);
  ExpectFailure(Verify(signed_sts, SuiteTime()), "InvalidSignatureException",
                "Credential should be scoped to correct service: 'execute-api'. ");
  VerifierOptions options;
  options.other_services = {"sts"};
  auto verified = SigV4Verifier(options, store_).Verify(signed_sts.View(), SuiteTime());
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->service, "sts");
}

TEST_F(SigV4VerifierTest, GlobalServiceIsAcceptedScopedToUsEast1OrTheServersRegionOnly) {
  VerifierOptions options;
  options.region = "eu-west-1";
  options.other_services = {"iam"};
  options.global_services = {"iam"};
  SigV4Verifier verifier(options, store_);
  for (const char* region : {"us-east-1", "eu-west-1"}) {
    SignerOptions iam;
    iam.service = "iam";
    iam.region = region;
    auto verified = verifier.Verify(SignedAt({}, SuiteTime(), testing::DefaultCredentials(), iam).View(), SuiteTime());
    ASSERT_TRUE(verified.ok()) << region << ": " << verified.error().message;
  }
  SignerOptions elsewhere;
  elsewhere.service = "iam";
  elsewhere.region = "ap-south-1";
  ExpectFailure(
      verifier.Verify(SignedAt({}, SuiteTime(), testing::DefaultCredentials(), elsewhere).View(), SuiteTime()),
      "InvalidSignatureException", "Credential should be scoped to a valid region, not 'ap-south-1'. ");
  // Only the global services: the jobs API stays in the server's region.
  SignerOptions jobs;
  jobs.region = "us-east-1";
  ExpectFailure(verifier.Verify(SignedAt({}, SuiteTime(), testing::DefaultCredentials(), jobs).View(), SuiteTime()),
                "InvalidSignatureException", "Credential should be scoped to a valid region, not 'us-east-1'. ");
}

TEST_F(SigV4VerifierTest, OversizedRequestIsRefusedBeforeParsing) {
  OwnedRequest request = SignedAt({}, SuiteTime());
  request.target += "&pad=" + std::string(20000, 'x');
  auto verified = Verify(request, SuiteTime());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().error_type, "IncompleteSignatureException");
}

}  // namespace
}  // namespace jobstream::auth
