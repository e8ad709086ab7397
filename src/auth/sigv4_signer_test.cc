// The client-side signer's contract: what it adds, what it refuses, and that what it produces is
// what the verifier accepts.
#include "auth/sigv4_signer.h"

#include <gtest/gtest.h>

#include "auth/signing_key_cache.h"
#include "auth/sigv4_test_request.h"

namespace jobstream::auth {
namespace {

using namespace std::chrono_literals;
using testing::DefaultCredentials;
using testing::kKeyId;
using testing::kSecret;
using testing::OwnedRequest;
using testing::SuiteTime;

std::vector<std::string> Names(const HeaderSignature& signature) {
  std::vector<std::string> names;
  for (const auto& [name, value] : signature.headers_to_add) names.push_back(name);
  return names;
}

TEST(SigV4SignerTest, HeaderFormAddsDateThenAuthorization) {
  OwnedRequest request;
  auto signature = SignRequest(request.ToSign(), DefaultCredentials(), {}, SuiteTime());
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(Names(*signature), (std::vector<std::string>{"X-Amz-Date", "Authorization"}));
  EXPECT_EQ(signature->headers_to_add[0].second, "20150830T123600Z");
  EXPECT_EQ(signature->headers_to_add[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, Signature=" +
                signature->trace.signature);
  EXPECT_EQ(signature->trace.signature.size(), 64u);
}

TEST(SigV4SignerTest, SessionTokenAndContentHashAreSentAndSigned) {
  OwnedRequest request;
  SignerOptions options;
  options.add_content_sha256_header = true;
  auto signature = SignRequest(request.ToSign(), {kKeyId, kSecret, "token"}, options, SuiteTime());
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(Names(*signature),
            (std::vector<std::string>{"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "Authorization"}));
  EXPECT_NE(
      signature->headers_to_add.back().second.find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                                                   "x-amz-security-token,"),
      std::string::npos);
}

TEST(SigV4SignerTest, UnsignedSessionTokenIsSentButNotSigned) {
  OwnedRequest request;
  SignerOptions options;
  options.sign_session_token = false;
  auto signature = SignRequest(request.ToSign(), {kKeyId, kSecret, "token"}, options, SuiteTime());
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(Names(*signature), (std::vector<std::string>{"X-Amz-Date", "X-Amz-Security-Token", "Authorization"}));
  EXPECT_EQ(signature->trace.canonical_request.find("x-amz-security-token"), std::string::npos);
}

TEST(SigV4SignerTest, RefusesRequestsItCannotSignCorrectly) {
  OwnedRequest no_host;
  no_host.Remove("Host");
  EXPECT_EQ(SignRequest(no_host.ToSign(), DefaultCredentials(), {}, SuiteTime()).error().code(),
            StatusCode::kInvalidArgument);

  OwnedRequest already_signed;
  already_signed.headers.emplace_back("x-amz-date", "20150830T123600Z");
  EXPECT_FALSE(SignRequest(already_signed.ToSign(), DefaultCredentials(), {}, SuiteTime()).ok());

  OwnedRequest relative;
  relative.target = "jobs";
  EXPECT_FALSE(SignRequest(relative.ToSign(), DefaultCredentials(), {}, SuiteTime()).ok());

  OwnedRequest request;
  EXPECT_FALSE(SignRequest(request.ToSign(), {kKeyId, "", ""}, {}, SuiteTime()).ok());
  EXPECT_FALSE(PresignRequest(request.ToSign(), DefaultCredentials(), {}, 0s, SuiteTime()).ok());
  EXPECT_FALSE(PresignRequest(request.ToSign(), DefaultCredentials(), {}, 604801s, SuiteTime()).ok());
  EXPECT_TRUE(PresignRequest(request.ToSign(), DefaultCredentials(), {}, 604800s, SuiteTime()).ok());
}

TEST(SigV4SignerTest, PresignKeepsTheQueryAndAppendsTheSignatureLast) {
  OwnedRequest request;
  request.target = "/jobs?b=2&a=1";
  request.headers = {{"Host", "jobs.example.com"}};
  auto presigned = PresignRequest(request.ToSign(), DefaultCredentials(), {}, 300s, SuiteTime());
  ASSERT_TRUE(presigned.ok());
  EXPECT_EQ(presigned->target,
            "/jobs?b=2&a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F"
            "20150830%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20150830T123600Z&"
            "X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=" +
                presigned->trace.signature);
}

TEST(SigV4SignerTest, SameInputsSignIdentically) {
  OwnedRequest request;
  auto first = SignRequest(request.ToSign(), DefaultCredentials(), {}, SuiteTime());
  auto second = SignRequest(request.ToSign(), DefaultCredentials(), {}, SuiteTime() + 999ms);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->trace.signature, second->trace.signature);
  auto later = SignRequest(request.ToSign(), DefaultCredentials(), {}, SuiteTime() + 1s);
  EXPECT_NE(first->trace.signature, later->trace.signature);
}

TEST(SigV4SignerTest, CachedSigningKeySignsExactlyAsADerivedOne) {
  OwnedRequest request;
  SigningKeyCache keys(2);
  for (auto now : {SuiteTime(), SuiteTime() + 1s, SuiteTime() + 24h}) {
    auto derived = SignRequest(request.ToSign(), DefaultCredentials(), {}, now);
    auto cached = SignRequest(request.ToSign(), DefaultCredentials(), {}, now, &keys);
    ASSERT_TRUE(derived.ok() && cached.ok());
    EXPECT_EQ(cached->headers_to_add, derived->headers_to_add);
    auto presigned_derived = PresignRequest(request.ToSign(), DefaultCredentials(), {}, 300s, now);
    auto presigned_cached = PresignRequest(request.ToSign(), DefaultCredentials(), {}, 300s, now, &keys);
    ASSERT_TRUE(presigned_derived.ok() && presigned_cached.ok());
    EXPECT_EQ(presigned_cached->target, presigned_derived->target);
  }
  EXPECT_EQ(keys.size(), 2u);  // one key per day
}

}  // namespace
}  // namespace jobstream::auth
